"""Settings are validated when built: a wrong choice or type is one error naming the field."""

from __future__ import annotations

import pytest

from mirograph import ResearchContext
from mirograph.errors import ConfigError
from tests.cli.conftest import mirograph


@pytest.mark.parametrize(
    ("name", "value", "shown", "allowed"),
    [
        ("answer_format", "md", "'md'", "one of short, boxed, report"),
        ("max_tool_calls", "600", "'600'", "an integer"),
        ("max_tool_calls", True, "True", "an integer"),
        ("max_tool_calls", -1, "-1", "an integer >= 0"),
        ("verify", "strict", "'strict'", "one of auto, llm, rules, off"),
        ("tools", "web_search", "'web_search'", "a list of strings"),
        ("tools", ["web_search", 3], "['web_search', 3]", "a list of strings"),
        ("temperature", "hot", "'hot'", "a number or empty (null)"),
        ("top_p", 1.5, "1.5", "a number in (0, 1], or empty"),
        ("summarize_at", 0, "0.0", "a fraction in (0, 1]"),
        ("keep_tool_results", -2, "-2", "an integer >= -1 (-1: keep all)"),
        ("context_window_tokens", 0, "0", "an integer >= 1"),
        ("review", "always", "'always'", "one of none, tools, answer"),
    ],
)
def test_a_wrong_setting_is_one_error_naming_the_field(name, value, shown, allowed):
    with pytest.raises(ConfigError) as raised:
        ResearchContext(**{name: value})
    assert str(raised.value) == f"setting {name} must be {allowed}, not {shown}"


def test_an_unknown_setting_is_named_with_the_known_ones():
    with pytest.raises(ConfigError, match=r"^unknown setting 'max_calls'; settings are: model, "):
        ResearchContext(max_calls=3)  # type: ignore[call-arg]


def test_json_shaped_values_are_normalized():
    settings = ResearchContext(tools=["search_corpus"], max_tool_calls=600.0, temperature=1)
    assert (settings.tools, settings.max_tool_calls, settings.temperature) == (
        ("search_corpus",),
        600,
        1.0,
    )
    assert type(settings.max_tool_calls) is int


def test_replace_and_stored_settings_are_checked_too():
    with pytest.raises(ConfigError, match="setting answer_format must be one of"):
        ResearchContext().replace(answer_format="md")
    with pytest.raises(ConfigError, match="setting max_tool_calls must be an integer"):
        ResearchContext.from_dict({"max_tool_calls": "12"})


def test_cli_bad_number_is_one_line_before_any_work(tmp_path):
    db = tmp_path / "runs.sqlite"
    result = mirograph("run", "Q?", "--db", str(db), "--model", "scripted:x.json",
                       "--temperature", "-1")  # fmt: skip
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: setting temperature must be a number >= 0, or empty, not -1.0",
    )
    assert not db.exists()
