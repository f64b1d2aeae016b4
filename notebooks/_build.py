"""Write the notebooks in this folder from the cell sources below, outputs stripped.

The cells here are the source of truth: edit them and run `python notebooks/_build.py`
(`--check` only compares, for CI). Cell ids are fixed, so a rebuild changes nothing that
did not change, and the `.ipynb` diffs stay readable.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent
METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str) -> tuple[str, str]:
    return "markdown", textwrap.dedent(text).strip()


def code(text: str) -> tuple[str, str]:
    return "code", textwrap.dedent(text).strip()


QUICKSTART = [
    md("""
    # Quickstart: one research run, offline

    This notebook builds mirograph's research graph, runs it on a question against a small
    local corpus, and reads what the run produced: the answer, the transcript and the sources.
    Everything is offline: the model is a `ScriptedChatModel` that plays a fixed script, so
    you can see the moving parts before you plug in a real model.
    """),
    md("""
    ## 1. Index a local corpus

    `search_corpus` is mirograph's offline research backend: full-text search (SQLite FTS5)
    over documents you index. The repository ships three short documents in
    `examples/corpus/`; the index goes to a temporary folder.
    """),
    code("""
    import tempfile
    from pathlib import Path

    from mirograph.tools import index_corpus, make_search_corpus

    workdir = Path(tempfile.mkdtemp(prefix="mirograph-quickstart-"))
    print(index_corpus("../examples/corpus", workdir / "corpus.sqlite"))
    search_corpus = make_search_corpus(workdir / "corpus.sqlite")
    print(search_corpus.invoke({"query": "MiroThinker tool calls"}))
    """),
    md("""
    Each hit carries a `corpus://` URI. The run records every URI a tool returned as a
    *source*, so a citation of it can be checked without the network.

    ## 2. A scripted model

    A `ScriptedChatModel` is a real LangChain chat model that answers from a script:
    response *i* answers an input that holds *i* AI messages. This one searches the corpus
    once, then answers and cites the document it found. With a real model you would pass,
    say, `ChatOpenAI(model="gpt-4.1")` instead.
    """),
    code("""
    from mirograph import ScriptedChatModel

    search = {"name": "search_corpus", "args": {"query": "MiroThinker tool calls per task"}}
    model = ScriptedChatModel(responses=[
        {"content": "I will search the local corpus.", "tool_calls": [search]},
        "MiroThinker v1.0 makes up to 600 tool calls per task, in a 256K-token context "
        "(corpus://mirothinker.md).",
    ])
    """),
    md("""
    ## 3. Build and run the graph

    `build_research_graph` returns a compiled LangGraph graph (planner → executor →
    summarizer → planner … → verifier → finalizer). The run's settings are a
    `ResearchContext`, passed as LangGraph's runtime `context`; `verify="rules"` checks the
    answer by rules only: not empty, in the asked format, and every cited URI was retrieved
    in this run. A checkpointer keeps the whole state per thread, so we can read it after.
    """),
    code("""
    from langgraph.checkpoint.memory import InMemorySaver

    from mirograph import ResearchContext, build_research_graph

    graph = build_research_graph(model=model, tools=[search_corpus], checkpointer=InMemorySaver())
    settings = ResearchContext(verify="rules")
    config = {"configurable": {"thread_id": "quickstart"}}
    question = "How many tool calls does MiroThinker make per task?"
    result = graph.invoke({"question": question}, config, context=settings)
    result
    """),
    md("""
    ## 4. Read the result

    `invoke` returns the output schema: the answer, its sources, the status (`done`, or
    `exhausted` when a budget forced an early answer), the tool calls used, and whether the
    verifier accepted the answer.
    """),
    code("""
    print(f"status={result['status']}  tool calls={result['tool_calls_used']}  "
          f"verified={result['verified']}")
    print(result["answer"])
    """),
    md("""
    The transcript is the full state's `messages`: lossless, every thought, tool call and
    tool result (context management shrinks only what the model is *shown*; see notebook 04).
    """),
    code("""
    state = graph.get_state(config).values
    for message in state["messages"]:
        message.pretty_print()
    """),
    md("""
    Sources are numbered in the order the run retrieved them, with the tool and the tool call
    that returned them.
    """),
    code("""
    for source in state["sources"]:
        print(f"[{source['n']}] {source['title']}  {source['url']}  "
              f"({source['tool']}, tool call {source['step']})")
    """),
    md("""
    ## 5. A cited report

    `answer_format="report"` makes the finalizer write a markdown report whose numbered
    citations resolve to sources retrieved in the run (a citation of something never
    retrieved is removed, and the report says so).
    """),
    code("""
    from IPython.display import Markdown

    model = ScriptedChatModel(responses=[
        {"tool_calls": [search]},
        "MiroThinker makes up to 600 tool calls per task [1] and keeps only the five most "
        "recent tool results in full [1].\\n\\nSources:\\n1. corpus://mirothinker.md",
    ])
    graph = build_research_graph(model=model, tools=[search_corpus])
    report = graph.invoke({"question": question}, context=settings.replace(answer_format="report"))
    Markdown(report["report"])
    """),
    md("""
    ## Next

    - A real model: `build_research_graph(model=ChatOpenAI(...))`, or a model string in the
      settings, e.g. `ResearchContext(model="openai:gpt-4.1")`.
    - `02_compose_your_graph` builds your own graph from these nodes;
      `03_pause_resume_branch` persists runs to SQLite, pauses, resumes and forks them;
      `04_context_management` shows how a 300-call run stays inside the context window.
    """),
]

COMPOSE = [
    md("""
    # Compose your own research graph

    Every mirograph node is a plain function you can import, wrap or replace. This notebook
    adds a custom tool, writes a *critic* that takes the verifier's place, wires a research
    graph from mirograph's nodes in about twenty lines, draws it, and runs it offline.
    """),
    md("""
    ## A custom tool

    Any LangChain tool works. Models are bad at arithmetic, so give them a calculator.
    """),
    code("""
    from langchain_core.tools import tool


    @tool
    def multiply(a: float, b: float) -> float:
        \"\"\"Multiply two numbers exactly.\"\"\"
        return a * b
    """),
    md("""
    The local corpus from the quickstart gives the run something to cite.
    """),
    code("""
    import tempfile
    from pathlib import Path

    from mirograph.tools import index_corpus, make_search_corpus

    workdir = Path(tempfile.mkdtemp(prefix="mirograph-compose-"))
    index_corpus("../examples/corpus", workdir / "corpus.sqlite")
    search_corpus = make_search_corpus(workdir / "corpus.sqlite")
    """),
    md("""
    ## A critic

    A node takes the state and returns an update. This one also *routes*: with a `Command`
    it sends the run back to the planner with feedback, or on to the finalizer. The return
    type names both destinations, so LangGraph (and Studio) can draw the edges.
    """),
    code("""
    from typing import Literal

    from langchain_core.messages import HumanMessage
    from langgraph.types import Command

    from mirograph import ResearchState


    def critic(state: ResearchState) -> Command[Literal["planner", "finalizer"]]:
        \"\"\"Accept only answers that cite a corpus document; ask once, then let it pass.\"\"\"
        cited = "corpus://" in state["messages"][-1].text
        if cited or state.get("verifications", 0) >= 1:
            return Command(goto="finalizer", update={"verified": cited})
        feedback = HumanMessage("Cite the corpus:// document your answer rests on.", name="critic")
        return Command(goto="planner", update={"messages": [feedback], "verifications": 1})
    """),
    md("""
    ## The graph, from mirograph's nodes

    The built-in nodes take the run's models and tools as a `resources` keyword; bind it
    with `partial`. `destinations=` declares where a node's `Command` may route. The planner
    hands candidate answers to the node named `"verifier"`, so the critic takes that name.
    """),
    code("""
    from functools import partial

    from langgraph.graph import END, START, StateGraph

    from mirograph import InputState, OutputState, ResearchContext, Resources
    from mirograph.nodes.executor import executor
    from mirograph.nodes.finalizer import finalizer
    from mirograph.nodes.planner import planner
    from mirograph.nodes.summarizer import summarizer


    def compose(model, tools):
        res = Resources(model=model, tools=tools)
        builder = StateGraph(ResearchState, context_schema=ResearchContext,
                             input_schema=InputState, output_schema=OutputState)
        builder.add_node("planner", partial(planner, resources=res),
                         destinations=("executor", "verifier", "finalizer", "summarizer"))
        builder.add_node("executor", partial(executor, resources=res))
        builder.add_node("summarizer", partial(summarizer, resources=res),
                         destinations=("planner", "finalizer"))
        builder.add_node("verifier", critic)
        builder.add_node("finalizer", partial(finalizer, resources=res))
        builder.add_edge(START, "planner")
        builder.add_edge("executor", "planner")
        builder.add_edge("finalizer", END)
        return builder.compile()
    """),
    md("""
    ## Draw it

    `draw_mermaid()` returns mermaid text; it needs no network (unlike `draw_mermaid_png`,
    which calls a web service). JupyterLab 4.1+ renders a mermaid block in markdown.
    """),
    code("""
    from IPython.display import Markdown

    from mirograph import ScriptedChatModel

    script = [
        {"tool_calls": [{"name": "search_corpus", "args": {"query": "MiroThinker tool calls"}}]},
        {"tool_calls": [{"name": "multiply", "args": {"a": 600, "b": 3}}]},
        "Three tasks may make up to 1800 tool calls.",
        "Three tasks may make up to 1800 tool calls: 600 each (corpus://mirothinker.md).",
    ]
    model = ScriptedChatModel(responses=script, keep_inputs=True)
    graph = compose(model, [search_corpus, multiply])
    mermaid = graph.get_graph().draw_mermaid()
    print(mermaid)
    Markdown(f"```mermaid\\n{mermaid}\\n```")
    """),
    md("""
    ## Run it

    The scripted model searches, multiplies, answers without a citation, is sent back by
    the critic, and answers again with one.
    """),
    code("""
    question = "How many tool calls can three MiroThinker tasks make in total?"
    result = graph.invoke({"question": question}, context=ResearchContext())
    print(result["answer"])
    print("verified:", result["verified"], "| tool calls:", result["tool_calls_used"])
    """),
    md("""
    What the planner model saw last ends with the critic's feedback:
    """),
    code("""
    model.inputs[-1][-1].pretty_print()
    """),
    md("""
    ## Or: swap one node of the stock graph

    `build_research_graph` takes any node by name. A replacement that asks for a `resources`
    keyword gets it; `state_schema=` extends the state with keys of your own nodes.
    """),
    code("""
    from mirograph import build_research_graph

    stock = build_research_graph(model=ScriptedChatModel(responses=script),
                                 tools=[search_corpus, multiply], verifier=critic)
    print(stock.invoke({"question": question}, context=ResearchContext())["answer"])
    print("same drawing:", stock.get_graph().draw_mermaid() == mermaid)
    """),
]

PAUSE = [
    md("""
    # Pause, resume, branch

    mirograph checkpoints a run to SQLite after every step. This notebook runs a long
    (scripted) research thread, pauses it from another thread, resumes it as a new process
    would, lists its step history, forks it at an earlier step with a hint, and compares the
    two branches.
    """),
    md("""
    ## A long task

    The agent looks for the first error in a 60-page server log, reading one page per tool
    call; the error is on page 48. The model is a *policy*: a function from the messages it
    is shown to its reply. It reads the next page, answers when a page shows an error, and
    jumps ahead when a hint tells it to. `delay` makes each model call take 10 ms, like a
    (very fast) real model, so there is time to pause.
    """),
    code("""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
    from langchain_core.tools import tool

    from mirograph import ScriptedChatModel, build_research_graph


    @tool
    def read_log_page(page: int) -> str:
        \"\"\"Read one page of the server log (pages 1 to 60).\"\"\"
        if page == 48:
            return "page 48: 02:13:07 ERROR disk full on /var/data"
        return f"page {page}: " + " ".join(f"{page:02d}:{i:02d} INFO ok" for i in range(40))


    def pages_read(messages):
        \"\"\"The pages the agent asked for, in order.\"\"\"
        calls = [c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
        return [c["args"]["page"] for c in calls]


    def reader(messages):
        last = messages[-1]
        if isinstance(last, ToolMessage) and "ERROR" in last.content:
            return f"The first error is on {last.content.split(':')[0]}: disk full."
        pages = pages_read(messages)
        if isinstance(last, HumanMessage) and "after page 40" in last.content:
            pages.append(40)
        call = {"name": "read_log_page", "args": {"page": max(pages, default=0) + 1}}
        return {"tool_calls": [call]}


    def research_graph(saver):
        model = ScriptedChatModel(policy=reader, delay=0.01)
        return build_research_graph(model=model, tools=[read_log_page], checkpointer=saver)
    """),
    md("""
    ## Run, and pause from another thread

    `run_thread` streams the graph with `durability="sync"`: each checkpoint is on disk
    before the next step starts. `RunControl.request_drain()` (here from a timer; the CLI
    calls it on Ctrl-C) stops the run at the next step boundary with everything saved.
    The settings are stored with the thread, so resuming needs only its id.
    Where exactly the pause lands depends on the machine's speed. `thread_statuses` says
    what `mirograph threads` would: `paused` (the research state itself still says where
    the run was, `researching`).
    """),
    code("""
    import tempfile
    import threading
    from pathlib import Path

    from mirograph import ResearchContext, RunControl, run_thread
    from mirograph.checkpoints import open_checkpointer
    from mirograph.status import thread_statuses

    db = Path(tempfile.mkdtemp(prefix="mirograph-branch-")) / "runs.sqlite"
    settings = ResearchContext(verify="rules")
    question = "On which page of the server log is the first error?"

    with open_checkpointer(db) as saver:
        saver.set_thread_settings("log", settings.to_dict())
        control = RunControl()
        threading.Timer(0.3, control.request_drain).start()
        first = run_thread(research_graph(saver), thread_id="log", settings=settings,
                           question=question, control=control)
        status = thread_statuses(saver)["log"]
    print(f"status={status}, tool calls so far: {first.tool_calls_used}")
    """),
    md("""
    ## Resume

    A fresh connection and a fresh graph, as after a restart: the settings come from the
    database, and `question=None` continues from the thread's latest checkpoint. Nothing
    is redone; the step counter goes on from where the pause left it.
    """),
    code("""
    with open_checkpointer(db) as saver:
        stored = ResearchContext.from_dict(saver.get_thread("log").settings)
        done = run_thread(research_graph(saver), thread_id="log", settings=stored)
    print(f"status={done.status}, tool calls: {done.tool_calls_used}")
    print(done.answer)
    """),
    md("""
    ## The step history

    `saver.history(thread)` lists a thread's checkpoints from indexed columns, without
    deserializing any state (this is what `mirograph history log` prints). Each tool call
    takes three steps: planner, executor, summarizer.
    """),
    code("""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)


    def history_table(steps, head=8, tail=4):
        table = Table("#", "tool calls", "node", "detail", "status", "checkpoint")
        for n, step in enumerate(steps):
            if head <= n < len(steps) - tail:  # the middle: one "…" row
                if n == head:
                    table.add_row("…")
                continue
            table.add_row(str(n), str(step.tool_calls_used or 0), step.node or step.source,
                          step.detail or "", step.status or "", step.checkpoint_id[:18] + "…")
        return table


    with open_checkpointer(db) as saver:
        steps = saver.history("log")
    print(len(steps), "checkpoints")
    console.print(history_table(steps))
    """),
    md("""
    ## Branch at an earlier step, with a hint

    `fork_at` copies the thread up to the checkpoint right after tool call 10 into a *new*
    thread and adds the note as a user message the planner reads next. The parent is never
    modified. Running the branch continues from the fork point.
    """),
    code("""
    from mirograph.branching import fork_at

    with open_checkpointer(db) as saver:
        before = saver.history("log")
        branch = fork_at(saver, "log", stored, step=10, new_thread_id="log-hint",
                         note="Hint: the error is reported after page 40.")
        print(f"{branch} before it runs: {thread_statuses(saver)[branch]}")
        hinted = run_thread(research_graph(saver), thread_id=branch, settings=stored)
        parent_untouched = saver.history("log") == before
    print(f"{branch}: status={hinted.status}, tool calls: {hinted.tool_calls_used}")
    print(hinted.answer)
    print("parent untouched:", parent_untouched)
    """),
    md("""
    ## The two branches compared

    `list_threads()` records each branch's parent, fork checkpoint and note, and
    `thread_statuses` gives each one's status (this is what `mirograph threads` prints). The transcripts agree up to tool call 10; then the hinted
    branch jumps to page 41 and finds the error in 18 tool calls instead of 48.
    """),
    code("""
    def transcript(graph, thread_id):
        return graph.get_state({"configurable": {"thread_id": thread_id}}).values["messages"]


    table = Table("thread", "parent", "note", "tool calls", "status", "pages read")
    with open_checkpointer(db) as saver:
        graph = research_graph(saver)
        statuses = thread_statuses(saver)
        for info in sorted(saver.list_threads(), key=lambda t: t.created_at):
            pages = pages_read(transcript(graph, info.thread_id))
            table.add_row(info.thread_id, info.parent_thread_id or "", info.note or "",
                          str(info.tool_calls_used), statuses[info.thread_id],
                          f"{pages[0]}…{pages[9]}, {pages[10]}, {pages[11]}, … {pages[-1]}")
    console.print(table)
    """),
]

CONTEXT = [
    md("""
    # Context management

    A long research run makes hundreds of tool calls, but the planner model has a fixed
    context window. mirograph follows MiroThinker: only the K most recent tool results are
    shown in full (older ones become a one-line stub; thoughts and tool calls are always
    kept), long results are truncated, and when the view nears the window a summarizer folds
    the oldest turns into a running summary. The stored transcript is never cut: all of
    this applies to the *view* the model is shown.

    This notebook measures the view over a 300-call run with K = 5 and with K = -1 (keep
    all), then shrinks the window to watch the summarizer fire.
    """),
    md("""
    ## A long run

    Each call reads a 4 KB page. The planner is a policy that reads pages 1 to N and then
    answers, giving every call a unique id as a provider would; the summarizer is a scripted
    model too, which writes a numbered note.
    """),
    code("""
    import itertools

    from langchain_core.tools import tool

    from mirograph import ResearchContext, ScriptedChatModel, build_research_graph


    @tool
    def read_page(page: int) -> str:
        \"\"\"Read one page (about 4 KB) of a long document.\"\"\"
        return f"Page {page}. " + "Routine entry, nothing unusual. " * 128


    def reader(pages):
        calls = itertools.count(1)

        def policy(messages):
            n = next(calls)
            if n > pages:
                return f"Read all {pages} pages: nothing unusual."
            call = {"name": "read_page", "args": {"page": n}, "id": f"page-{n}"}
            return {"content": f"Reading page {n}.", "tool_calls": [call]}

        return policy


    def note_taker():
        notes = itertools.count(1)
        return lambda messages: f"Note {next(notes)}: the pages so far hold routine entries only."
    """),
    md("""
    `view_sizes` runs the graph and records, after every tool call, the size of the view
    the planner sends next (the planner measures it before each model call, in estimated
    tokens, and hands its turn to the summarizer once it passes the threshold) and after
    which calls the summarizer folded old turns.
    """),
    code("""
    def view_sizes(pages, **settings):
        summarizer_model = ScriptedChatModel(policy=note_taker(), keep_inputs=True)
        graph = build_research_graph(model=ScriptedChatModel(policy=reader(pages)),
                                     tools=[read_page], summarizer_model=summarizer_model)
        context = ResearchContext(verify="off", **settings)
        sizes, folds, calls = [], [], 0
        for update in graph.stream({"question": "Read the document."}, context=context,
                                   stream_mode="updates"):
            (node, values), = update.items()
            if node == "executor":
                calls += 1
            elif node == "summarizer" and values["activity"]["detail"] == "summarized":
                folds.append(calls)
            elif node == "planner" and calls and not values.get("summary_asked"):
                sizes.append(values["view_tokens"])  # the view of a model call
        return sizes, folds, summarizer_model


    keep5, folds5, _ = view_sizes(300, keep_tool_results=5)
    keep_all, folds_all, _ = view_sizes(300, keep_tool_results=-1)
    print(f"K=5:  {keep5[-1]:>7,} tokens after 300 calls; summaries after calls {folds5}")
    print(f"K=-1: {max(keep_all):>7,} tokens at most;        summaries after calls {folds_all}")
    """),
    code("""
    import matplotlib.pyplot as plt

    window = ResearchContext().context_window_tokens
    threshold = ResearchContext().summarize_at * window
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(range(1, 301), keep_all, label="K = -1 (keep all results)")
    ax.plot(range(1, 301), keep5, label="K = 5 (MiroThinker)")
    ax.axhline(threshold, color="grey", linestyle="--", label=f"summarize at {threshold:,.0f}")
    ax.set(xlabel="tool calls", ylabel="view size (estimated tokens)",
           title=f"Planner view over a 300-call run, {window:,}-token window")
    ax.legend()
    plt.show()
    """),
    md("""
    With every result kept, the view grows by about a thousand tokens a call, passes the
    summarize threshold after some 200 calls, and the summarizer folds everything but the
    last five tool rounds into a summary. With K = 5 it grows only by the thoughts, calls
    and stubs (here some 30 tokens a call): 300 calls fit in a twentieth of the window.

    ## When the summarizer fires

    Shrink the window to 8 000 tokens (threshold 6 400) and K = 5 no longer suffices on its
    own: the view grows until it passes the threshold, the summarizer folds the old turns,
    and the view drops back to the last K rounds plus the summary, a sawtooth.
    """),
    code("""
    small, folds, summarizer_model = view_sizes(150, keep_tool_results=5,
                                                context_window_tokens=8_000)
    print("summaries after calls", folds)
    print(len(summarizer_model.inputs), "summarizer calls (old turns go in chunks that fit)")

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(range(1, len(small) + 1), small, label="view, K = 5")
    ax.axhline(0.8 * 8_000, color="grey", linestyle="--", label="summarize at 6,400")
    for n in folds:
        ax.axvline(n, color="tab:red", alpha=0.3)
    ax.set(xlabel="tool calls", ylabel="estimated tokens", title="8,000-token window")
    ax.legend(loc="lower right")
    plt.show()
    """),
    md("""
    What the summarizer model is asked: the task, its notes so far, and the turns to fold
    (taken from the lossless transcript, so it sees the full results).
    """),
    code("""
    print(summarizer_model.inputs[0][-1].content[:700], "…")
    """),
    md("""
    ## The view itself

    `context_view(state, settings)` is the pure function behind all this: given a state and
    settings it returns the messages the planner is shown. Two tool rounds, K = 1: the
    older result is stubbed, the thought and the call are kept.
    """),
    code("""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from mirograph import context_view


    def round_(n):
        call = {"name": "read_page", "args": {"page": n}, "id": f"c{n}"}
        return [AIMessage(f"Reading page {n}.", tool_calls=[call]),
                ToolMessage(read_page.invoke({"page": n}), tool_call_id=f"c{n}")]


    state = {"question": "Read the document.",
             "messages": [HumanMessage("Read the document."), *round_(1), *round_(2)]}
    for message in context_view(state, ResearchContext(keep_tool_results=1))[1:]:
        print(f"{message.type:>6}: {message.text[:70]}")
    """),
]

NOTEBOOKS = {
    "01_quickstart": QUICKSTART,
    "02_compose_your_graph": COMPOSE,
    "03_pause_resume_branch": PAUSE,
    "04_context_management": CONTEXT,
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """One notebook: fixed cell ids, no outputs, no execution counts."""
    notebook = new_notebook(metadata=METADATA)
    for n, (kind, source) in enumerate(cells):
        make = new_code_cell if kind == "code" else new_markdown_cell
        notebook.cells.append(make(source, id=f"{name[:2]}-{n:02d}"))
    nbformat.validate(notebook)
    return notebook


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = HERE / f"{name}.ipynb"
        text = nbformat.writes(build(name, cells)) + "\n"
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/_build.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
