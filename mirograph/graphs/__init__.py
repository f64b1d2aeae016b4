"""Graph builders: wiring only (`graphs.research`). Light to import: what other layers
need to know about the research graph's shape without compiling it lives here."""

ROUND_ENTRY = "planner"
"""The node every tool round hands back to. A checkpoint that triggers it next, with
more tool calls made than at the previous such checkpoint, ends a tool round: that is
the point `fork --step N`, `eval --scaling` and the UI count calls at, whatever the
nodes in between (the summarizer, or a user's node in its place) are called."""

ANSWER_NODE = "finalizer"
"""The node that writes the answer. A round can hand over to it instead of the planner
(the view no longer fits the window): that checkpoint also ends the round."""

ROUND_ENDS = (ROUND_ENTRY, ANSWER_NODE)
