"""Any Python file, however odd, gives a clear message or nothing, never a traceback."""
from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapelint.checker import check_bytes, check_source
from shapelint.cli import main

KERAS_LINE = "import keras\nx = keras.Input(shape=(4,))\n"


def codes(result):
    return [d.code for d in result.diagnostics]


def test_syntax_error_is_a_finding_with_position():
    result = check_source("import keras\ndef f(:\n    pass\n", "bad.py")
    assert codes(result) == ["SHP001"]
    assert result.diagnostics[0].location.row == 2
    assert "SyntaxError" in result.diagnostics[0].message


def test_non_utf8_file_is_reported_not_raised():
    result = check_bytes(b"import keras\nx = '\xff\xfe\xfa'\n", "latin.py")
    assert codes(result) == ["SHP002"]
    assert "decode" in result.diagnostics[0].message


def test_declared_latin1_encoding_is_honoured():
    data = "# -*- coding: latin-1 -*-\nimport keras\nname = 'caf\xe9'\n".encode("latin-1")
    assert codes(check_bytes(data, "latin1.py")) == []


def test_null_bytes_and_binary_garbage():
    assert codes(check_bytes(b"import keras\x00\x00\n", "nul.py")) == ["SHP001"]
    assert codes(check_bytes(bytes(range(256)) * 4, "bin.py")) in (["SHP001"], ["SHP002"])


def test_empty_bom_crlf_and_tabs():
    assert codes(check_source("", "empty.py")) == []
    assert codes(check_bytes(b"\xef\xbb\xbf" + KERAS_LINE.encode(), "bom.py")) == []
    assert codes(check_source(KERAS_LINE.replace("\n", "\r\n"), "crlf.py")) == []
    assert codes(check_source("import keras\nif True:\n\tx = keras.Input(shape=(4,))\n", "tab.py")) == []


def test_deeply_nested_expressions():
    parens = "import keras\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert codes(check_source(parens, "parens.py")) == ["SHP001"]
    chain = "import keras\nx = " + " + ".join(["1"] * 20000) + "\n"
    assert codes(check_source(chain, "chain.py")) in ([], ["SHP001"])
    lists = "import keras\nx = " + "[" * 150 + "]" * 150 + "\n"
    assert codes(check_source(lists, "lists.py")) == []


def test_deeply_nested_blocks():
    body = "import keras\n" + "".join("    " * i + "if True:\n" for i in range(90)) + "    " * 90 + "pass\n"
    result = check_source(body, "blocks.py")
    assert codes(result) in ([], ["SHP001"])


def test_huge_file_is_checked():
    block = (
        "import keras\nfrom keras import layers\n"
        + "".join(f"x{i} = layers.Dense({i % 7 + 1})(keras.Input(shape=({i % 5 + 1},)))\n"
                  for i in range(5000))
        + "bad = layers.Add()([x1, x2])\n"
    )
    result = check_source(block, "huge.py")
    assert codes(result) == ["SHP102"]


def test_python2_source_is_a_syntax_error():
    assert codes(check_source("import keras\nprint 'hello'\n", "py2.py")) == ["SHP001"]


def test_run_goes_on_after_a_bad_file(tmp_path):
    (tmp_path / "a_bad.py").write_bytes(b"import keras\nx = (\n")
    (tmp_path / "b_latin.py").write_bytes(b"import keras\ns = '\xff'\n")
    (tmp_path / "c_good.py").write_text(
        "from keras import layers, Input\n"
        "a = Input(shape=(3,))\nb = Input(shape=(4,))\n"
        "c = layers.Add()([a, b])\n"
    )
    res = CliRunner().invoke(main, ["check", "--format", "json", str(tmp_path)])
    assert res.exit_code == 1, res.output
    found = {(d["filename"].split("/")[-1], d["code"]) for d in json.loads(res.output)}
    assert found == {("a_bad.py", "SHP001"), ("b_latin.py", "SHP002"), ("c_good.py", "SHP102")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_never_raises(text):
    check_source("import keras\n" + text, "fuzz.py")


TOKENS = ["keras", "layers", ".", "(", ")", "[", "]", ",", "=", "x", "y", "Dense", "Input",
          "shape", "Concatenate", "axis", "1", "-1", "None", ":", "\n", "    ", "for", "in",
          "range", "if", "def", "return", "lambda", "*", "**", "+", "Reshape", "Conv2D", "Model",
          "class", "self", "call", "super", "(5,)", "(3, 4)", "True", "while", "with", "as"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_keras_flavoured_token_soup_never_raises(tokens):
    source = "import keras\nfrom keras import layers\n" + " ".join(tokens)
    result = check_source(source, "soup.py")
    for d in result.diagnostics:
        assert d.location.row >= 1 and d.location.column >= 1
