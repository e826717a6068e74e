"""SHP003: suppressions that silence nothing, or name no rule, are reported (ruff's RUF100)."""
from __future__ import annotations

from click.testing import CliRunner

from shapelint.checker import check_source
from shapelint.cli import main

HEAD = (
    "import keras\n"
    "from keras import layers\n"
    "a = keras.Input((4,))\n"
    "b = keras.Input((5,))\n"
)
BAD_ADD = "c = layers.Add()([a, b])"      # SHP102 on line 5
GOOD = "c = layers.Dense(3)(a)"


def findings(line5: str, extra: str = "") -> list[tuple[str, int, str]]:
    result = check_source(HEAD + line5 + "\n" + extra, "s.py")
    return [(d.code, d.location.row, d.message) for d in result.diagnostics]


def codes(line5: str, extra: str = "") -> list[tuple[str, int]]:
    return [(c, r) for c, r, _ in findings(line5, extra)]


def test_used_suppressions_are_not_reported():
    assert codes(BAD_ADD + "  # shapelint: ignore[SHP102]") == []
    assert codes(BAD_ADD + "  # noqa: SHP102") == []
    assert codes(BAD_ADD + "  # shapelint: ignore[elementwise-shape-mismatch]") == []
    assert codes(BAD_ADD + "  # shapelint: ignore") == []
    assert codes(BAD_ADD, "# shapelint: ignore-file[SHP102]\n") == []


def test_stale_suppression_is_reported_at_the_comment_with_its_code():
    found = findings(GOOD + "  # shapelint: ignore[SHP102]")
    assert [(c, r) for c, r, _ in found] == [("SHP003", 5)]
    assert "SHP102" in found[0][2] and "elementwise-shape-mismatch" in found[0][2]
    d = check_source(HEAD + GOOD + "  # shapelint: ignore[SHP102]\n", "s.py").diagnostics[0]
    assert d.location.column == len(GOOD) + 3      # 1-based column of the `#`
    assert d.fix and "Remove SHP102" in d.fix


def test_only_the_unused_part_of_a_comment_is_reported():
    found = findings(BAD_ADD + "  # shapelint: ignore[SHP102, SHP401]")
    assert [(c, r) for c, r, _ in found] == [("SHP003", 5)]
    assert "SHP401" in found[0][2] and "SHP102" not in found[0][2]


def test_blanket_and_file_level_suppressions_that_silence_nothing():
    assert codes(GOOD + "  # shapelint: ignore") == [("SHP003", 5)]
    assert codes(GOOD, "# shapelint: ignore-file[SHP401]\n") == [("SHP003", 6)]


def test_unknown_rule_names_get_a_did_you_mean():
    result = check_source(HEAD + BAD_ADD + "  # shapelint: ignore[SHP102, elementwise-mismatch]\n", "s.py")
    [d] = result.diagnostics
    assert d.code == "SHP003" and "elementwise-mismatch" in d.message
    assert "elementwise-shape-mismatch" in d.fix


def test_other_tools_noqa_codes_are_not_judged():
    assert codes(GOOD + "  # noqa: E501") == []
    assert codes(GOOD + "  # noqa: E501, F401") == []
    assert codes(GOOD + "  # noqa: E501, SHP101") == [("SHP003", 5)]


def test_build_error_suppressions_are_left_to_validation():
    assert codes(GOOD + "  # shapelint: ignore[SHP901]") == []


def test_a_kept_suppression_can_be_marked_deliberate():
    assert codes(GOOD + "  # shapelint: ignore[SHP102, SHP003]") == []
    assert codes(GOOD + "  # shapelint: ignore[SHP102]  # noqa: SHP003") == []


def test_rule_can_be_deselected_from_the_cli(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(HEAD + GOOD + "  # shapelint: ignore[SHP102]\n")
    assert CliRunner().invoke(main, ["check", str(path)]).exit_code == 1
    assert CliRunner().invoke(main, ["check", "--ignore", "unused-suppression", str(path)]).exit_code == 0


def test_nothing_is_reported_when_the_analysis_stopped_early(monkeypatch):
    """A stopped analysis may have missed the finding the comment is for."""
    text = HEAD + GOOD + "  # shapelint: ignore[SHP102]\n"
    assert codes(GOOD + "  # shapelint: ignore[SHP102]") == [("SHP003", 5)]
    monkeypatch.setattr("shapelint.interp.budget.UNIT_STEPS", 3)
    result = check_source(text, "s.py")
    assert result.notes and "budget" in result.notes[0]
    assert result.diagnostics == ()
