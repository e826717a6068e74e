"""File names, messages and source lines with control characters cannot forge GitHub
workflow commands or send terminal escapes in any format, and line separators Python does
not count as line ends never shift the source line shown under a finding."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from shapelint.cli import main
from shapelint.findings import Diagnostic, FileResult, Origin, Position, TraceEntry
from shapelint.reporters import FORMATS, github
from shapelint.source import split_lines

BUGGY = ("from keras import layers, Input\na = Input(shape=(3,))\nb = Input(shape=(4,))\n"
         "c = layers.Add()([a, b])\n")
HOSTILE = "a\n::error file=x.py,line=1::forged\r::add-mask::x\x1b]0;title\x07\x1b[2J\x9b31m\u2028\u202eZ%0A"
SGR = re.compile(r"\x1b\[[0-9;]*m")       # click's own colours, the only escapes allowed
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")


def hostile_result() -> FileResult:
    d = Diagnostic(
        path=f"dir/{HOSTILE}.py", code="SHP102", name="elementwise-shape-mismatch", severity="error",
        message=f"Add of {HOSTILE}", location=Position(1, 1), end_location=Position(1, 4),
        trace=(TraceEntry(f"input {HOSTILE}", "(None, 3)", (Origin(1, 1, f"Layer{HOSTILE}", "(None, 3)"),)),),
        fix=f"fix {HOSTILE}",
    )
    return FileResult(d.path, (d,), (f"x = {HOSTILE}",), notes=(f"analysis stopped: {HOSTILE}",))


def github_lines_are_commands(out: str) -> None:
    """Each line one command we wrote (or the closing summary), none forged: GitHub reads
    the properties up to the first ``::`` after the command, so they must hold none."""
    *commands, last = out.split("\n")
    assert last.startswith(("Found ", "All checks passed"))
    assert len(commands) == 2
    assert commands[0].startswith("::error file=dir/a%0A%3A%3Aerror file=x.py%2Cline=1%3A%3Aforged%0D")
    assert commands[1].startswith("::notice file=dir/a%0A")
    keys = [[p.split("=", 1)[0] for p in line[2:].split("::", 1)[0].split(" ", 1)[1].split(",")]
            for line in commands]
    assert keys == [["file", "line", "endLine", "col", "endColumn", "title"], ["file", "title"]]
    for line in commands:
        assert "\x1b" not in line and not CONTROLS.search(line)


def strings(value) -> list[str]:
    """Every string in parsed JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in strings(v)] if isinstance(value, list) else []


JSON_FORMATS = ("json", "json-lines", "sarif", "gitlab")


def parsed(fmt: str, out: str):
    """The JSON of a report (a list of the lines' objects for json-lines)."""
    return [json.loads(line) for line in out.splitlines()] if fmt == "json-lines" else json.loads(out)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_format_lets_hostile_text_through(fmt):
    out = FORMATS[fmt]([hostile_result()], 1)
    if fmt == "github":
        github_lines_are_commands(out)
    elif fmt in JSON_FORMATS:
        assert not CONTROLS.search(out) and "\x1b" not in out       # JSON escapes them all
        assert f"Add of {HOSTILE}" in " ".join(strings(parsed(fmt, out)))   # and keeps the data exact
    else:
        plain = SGR.sub("", out)
        assert "\x1b" not in plain and not CONTROLS.search(plain)
        assert not any(line.startswith("::") for line in plain.splitlines())
        shown = "a␊::error file=x.py,line=1::forged␍::add-mask::x␛]0;title␇␛[2J\ufffd31m\ufffd\ufffdZ%0A"
        assert shown in plain


def test_github_escapes_decode_to_the_real_file_name():
    """What GitHub decodes from file= is the file's own name (newline and all)."""
    line = github.annotation(Diagnostic("dir/a\nb,c:d%e.py", "SHP102", "n", "error", "m",
                                        Position(1, 1), Position(1, 2)))
    value = line.split("file=", 1)[1].split(",line=")[0]
    for escaped, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        value = value.replace(escaped, char)
    assert value == "dir/a\nb,c:d%e.py"


def test_step_summary_cells_stay_cells():
    d = Diagnostic("a|b`c<img src=x>.py", "SHP102", "n", "error", "x | y\n| z <script>", Position(1, 1),
                   Position(1, 2))
    row = github.step_summary([FileResult(d.path, (d,))]).splitlines()[-1]
    assert row == ("| <code>a\\|b`c&lt;img src=x&gt;.py</code> | 1 | SHP102 n "
                   "| x \\| y␊\\| z &lt;script&gt; |")
    assert len(re.split(r"(?<!\\)\|", row)) == 6     # four cells between five pipes


def test_a_hostile_file_name_end_to_end(tmp_path, monkeypatch):
    name = "evil\n::error file=README.md,line=1::pwned\x1b[2J.py"
    (tmp_path / name).write_text(BUGGY)
    monkeypatch.chdir(tmp_path)
    for fmt in sorted(FORMATS):
        run = CliRunner().invoke(main, ["check", "--no-cache", "--format", fmt, "."], color=True)
        assert run.exit_code == 1
        out = SGR.sub("", run.stdout)
        assert not any(line.startswith("::error file=README.md") for line in out.splitlines()), fmt
        assert "\x1b" not in out, fmt
        if fmt in JSON_FORMATS:
            # SARIF names files by percent-encoded URIs
            assert (quote(name) if fmt == "sarif" else name) in strings(parsed(fmt, out))


SEPARATED = (
    "from keras import layers, Input\n"
    "a = Input(shape=(3,))  # separators:\u2028\u2029 form feed:\x0c vertical tab:\x0b NEL:\x85\n"
    "b = Input(shape=(4,))\r"
    "c = layers.Add()([a, b])  # \x0c\n"
)
SNIPPET = [
    "  |",
    "4 | c = layers.Add()([a, b])  # ␌",
    "  |     ^^^^^^^^^^^^^^^^^^^^ elementwise-shape-mismatch",
]


def _snippet(out: str) -> list[str]:
    """The three lines under the first finding's header, colours removed."""
    return SGR.sub("", out).split("\n")[1:4]


def test_line_separators_do_not_shift_the_shown_line():
    """The reporter shows line ``row`` of lines split as Python splits them."""
    from shapelint.checker import check_source

    result = check_source(SEPARATED, "m.py")
    [d] = result.diagnostics
    assert d.location.row == 4
    fixed = FileResult(result.path, result.diagnostics, tuple(split_lines(SEPARATED)), result.notes)
    assert _snippet(FORMATS["full"]([fixed], 1)) == SNIPPET


def test_line_separators_end_to_end_from_the_cache(tmp_path, monkeypatch):
    """A cached result re-reads its lines as Python numbers them."""
    monkeypatch.delenv("SHAPELINT_NO_CACHE", raising=False)
    (tmp_path / "m.py").write_bytes(SEPARATED.encode())
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(main, ["check", "--cache-dir", "cache", "m.py"])
    run = CliRunner().invoke(main, ["check", "--cache-dir", "cache", "m.py"])
    assert _snippet(run.stdout) == SNIPPET


def test_line_separators_end_to_end(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_bytes(SEPARATED.encode())
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["check", "--no-cache", "m.py"])
    assert _snippet(run.stdout) == SNIPPET


def test_split_lines_ends_lines_where_python_does():
    import ast

    tree = ast.parse(SEPARATED)
    lines = split_lines(SEPARATED)
    assert len(lines) == tree.body[-1].end_lineno == 4
    assert lines[3].startswith("c = layers.Add()")
    assert split_lines("") == [] and split_lines("a\r\nb\rc\n\n") == ["a", "b", "c", ""]
