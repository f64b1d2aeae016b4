"""The architecture holds: the static import graph of `mirograph/` has no cycle, test
doubles stay out of production code, and the layers depend one way.

Every import statement counts, inside functions too; only `if TYPE_CHECKING:` blocks are
left out, as they never run. Importing `a.b.c` runs `a` and `a.b` first, so packages
count, except the package a module is itself inside.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mirograph"
TEST_DOUBLES = "mirograph.testing"
MAY_IMPORT_TEST_DOUBLES = {"mirograph.models.registry"}
"""The model registry builds `scripted:PATH` models; nothing else may know test doubles."""


def module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _runtime_nodes(tree: ast.AST):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imported(node: ast.AST, package: str, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def import_graph() -> dict[str, set[str]]:
    """Module -> the mirograph modules importing it runs (packages included)."""
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node, package, modules):
                parts = target.split(".")
                for n in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:n])
                    inside = f"{name}.".startswith(f"{prefix}.")
                    if prefix in modules and prefix != name and not inside:
                        graph[name].add(prefix)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_finds_a_cycle_and_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    modules = {"mirograph.x": Path(), "mirograph.y": Path()}
    tree = ast.parse("def f():\n    from mirograph.y import thing\n")
    found = [t for n in _runtime_nodes(tree) for t in _imported(n, "mirograph", modules)]
    assert found == ["mirograph.y"]


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 100  # the whole package was read
    assert cycles(graph) == []


def test_only_the_model_registry_imports_the_test_doubles():
    importers = {name for name, targets in import_graph().items() if TEST_DOUBLES in targets}
    assert importers == MAY_IMPORT_TEST_DOUBLES


def test_layers_depend_one_way():
    graph = import_graph()

    def imports(layer: str, other: str) -> list[str]:
        return sorted(
            f"{name} -> {target}"
            for name, targets in graph.items()
            if name == layer or name.startswith(f"{layer}.")
            for target in targets
            if target == other or target.startswith(f"{other}.")
        )

    pure = ["mirograph.transcript", "mirograph.text"]
    for low in [*pure, "mirograph.models", "mirograph.memory", "mirograph.tools"]:
        for high in ("mirograph.nodes", "mirograph.graphs", "mirograph.runner", "mirograph.cli"):
            assert imports(low, high) == []
    for module in pure:  # pure functions: nothing of mirograph but each other
        assert {t for t in graph[module] if t not in pure} == set()
    assert imports("mirograph.checkpoints", "mirograph.graphs") == []
    for research in ("mirograph.state", "mirograph.nodes", "mirograph.context"):
        assert imports("mirograph.checkpoints", research) == []  # generic: knows no graph
    assert imports("mirograph.checkpoints", "mirograph.state") == []
    nodes = [name for name in graph if name.startswith("mirograph.nodes.")]
    for node in nodes:  # nodes never import each other
        assert [t for t in graph[node] if t.startswith("mirograph.nodes.")] == []


def test_the_architecture_doc_names_only_modules_that_exist():
    import re

    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w/]+(?:\.py|/))", doc))
    assert len(named) > 20
    where = (PACKAGE, PACKAGE.parent)  # package modules, or repo paths such as tests/
    missing = sorted(p for p in named if not any((root / p).exists() for root in where))
    assert missing == []


MAX_BODY_LINES = 60


def test_no_function_body_passes_60_lines_without_a_reason_in_its_docstring():
    """A body (after the signature and docstring) longer than 60 lines must say why in a
    docstring paragraph starting `Long:`."""
    long = []
    for path in module_files().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            doc = ast.get_docstring(node) or ""
            body = node.body[1:] if doc else node.body
            lines = node.end_lineno - body[0].lineno + 1 if body else 0
            if lines > MAX_BODY_LINES and "\nLong:" not in f"\n{doc}":
                long.append(f"{path.relative_to(PACKAGE.parent)}:{node.name} ({lines} lines)")
    assert long == []
