"""Check every fixture against real Keras (ground truth for shapelint).

Usage (needs a Python with TensorFlow/Keras installed; shapelint itself never
imports TensorFlow):

    TF_CPP_MIN_LOG_LEVEL=3 python tests/keras/keras_truth.py fixtures/ [-j N] [-v]

For each ``*.py`` file under the given paths, the fixture is executed with
``runpy.run_path`` in a fresh subprocess (TensorFlow on CPU), and:

* a *correct* fixture (under a ``correct/`` directory, or with no
  ``# expect:`` marker) must run without raising;
* a *buggy* fixture (under a ``buggy/`` directory) must carry at least one
  ``# expect: SHPnnn`` marker, must raise, and the deepest traceback frame that
  lies inside the fixture file must be on a marker line (or on any line of the
  call that starts on the marker line, when that call spans several lines).
  The exception message must also look like the Keras error for the expected
  code (see ``MESSAGE_PATTERNS``).

Exits 1 on any mismatch, 0 when every fixture agrees with Keras.
A Sequential with no input shape is built lazily: Keras raises where it is built
(``model.build(...)``, marked ``# keras raises here: SHPnnn``), which confirms the finding
shapelint reports at the layer. A fixture whose model is built only by a function the file
never calls (a builder with parameters and no defaults) names the call for Keras on a line
of its own:
``# keras-truth: build_model((28, 28, 1), 10)``; it runs after the file.

This is a standalone script, not a pytest module.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

EXPECT_RE = re.compile(r"#\s*expect:\s*(SHP\d{3}(?:\s*,\s*SHP\d{3})*)")
# A model Keras builds lazily (a Sequential with no input shape) raises where it is built,
# not at the layer shapelint reports: that line says "# keras raises here: SHPnnn".
LAZY_RE = re.compile(r"#\s*keras raises here:\s*(SHP\d{3})")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
RESULT_TAG = "@@KERAS_TRUTH@@"

# Exceptions that mean the fixture itself is broken, not that Keras found a
# shape problem.
NOT_A_SHAPE_ERROR = {
    "NameError",
    "ImportError",
    "ModuleNotFoundError",
    "SyntaxError",
    "AttributeError",
    "IndentationError",
    "FileNotFoundError",
}

# What the Keras 3 message looks like for each rule code (checked with
# re.search on the message, ANSI codes stripped, newlines folded).
MESSAGE_PATTERNS = {
    "SHP101": r"`Concatenate` layer requires inputs with matching shapes"
    r"|Every value in `xs?` must have the same shape"
    r"|Dimension \d+ in both shapes must be equal, but are \d+ and \d+\. "
    r"Shapes are .* for '\{\{node \S*(concat|stack)",
    "SHP102": r"Inputs have incompatible shapes"
    r"|Cannot broadcast shape, the failure dim has value"
    r"|Incompatible shapes: \["
    r"|Dimensions must be equal, but are \d+ and \d+ for '\{\{node \S+\}\} = "
    r"(AddV2|Sub|Mul|RealDiv|FloorDiv|FloorMod|Maximum|Minimum|Pow)\[",
    "SHP103": r"Incompatible input shapes: axis values",
    "SHP104": r"Inner dimensions \(`x1.shape\[-1\]` and `x2.shape\[-2\]`\) must be equal"
    r"|Dimensions must be equal, but are \d+ and \d+ for '\{\{node \S*(MatMul|Einsum)"
    r"|Shape mismatch on `x1\[axes\[0\]\]` and `x2\[axes\[1\]\]`",
    "SHP105": r"must be divisible by `indices_or_sections`"
    r"|Dimension size must be evenly divisible by \d+ but is \d+ for '\{\{node \S*[Ss]plit"
    r"|Determined shape must either match input shape along split_dim"
    r"|Dimension must be \d+ but is \d+ for '\{\{node \S*unstack",
    "SHP201": r"expected (min_|max_)?ndim=\d+, found ndim=\d+"
    r"|should be passed an `input_shape` with at least 3 dimensions"
    r"|must be a non-nested tuple or list of rank-1 with size 3 \(unbatched\) or 4 \(batched\)"
    r"|Kernel shape must have the same length as input"
    r"|expected shape=\(.*\), found shape=\(.*\)",
    "SHP202": r"Cannot convert '\d+' to a shape",
    "SHP203": r"expected axis -?\d+ of input shape to have value \d+"
    r"|expected shape=\(.*\), found shape=\(.*\)"
    r"|Shapes used to initialize variables must be fully-defined",
    "SHP204": r"strides > 1`.*dilation_rate > 1",
    "SHP207": r"A KerasTensor cannot be used as input to a TensorFlow function",
    "SHP205": r"must be evenly divisible by the number of groups"
    r"|Number of groups \(\d+\) (must be a multiple|cannot be more than)"
    r"|Invalid permutation argument `dims`"
    r"|`output_padding` must be strictly less than `strides`"
    r"|All dimensions of `value` and `key`, except the last one, must be equal"
    r"|The last dimension of `query_shape` and `value_shape` must be equal"
    r"|Input shape and output shape do not match at shared dimension"
    r"|All `axis` values must be in the range"
    r"|Axis -?\d+ is out of bounds for input shape"
    r"|expects 1 input\(s\), but it received \d+ input tensors",
    "SHP206": r"Cannot squeeze axis|Can not squeeze dim\[\d+\]"
    r"|is out of bounds for an array with dimension|Invalid reduction dimension"
    r"|Tried to expand dim index|not in the interval \[|is out of range of input rank"
    r"|must be a valid permutation|must be a list of the same length as the input shape"
    r"|Each axis in `axes` must be an integer",
    "SHP208": r"The name \"[^\"]+\" is used \d+ times in the model"
    r"|All layers added to a Sequential model should have unique names",
    "SHP301": r"expected (min_)?ndim=\d+, found ndim=\d+",
    "SHP401": r"total size of the tensor must be unchanged|Cannot reshape a tensor with"
    r"|Dimension size must be evenly divisible by \d+ but is \d+ for '\{\{node \S*Reshape",
    "SHP402": r"Computed output size would be zero or negative",
    # model meets data: fit/evaluate/predict
    "SHP601": r"is incompatible with the layer: expected (shape=|axis)"
    r"|Invalid input shape for input",
    "SHP602": r"Arguments `target` and `output` must have the same (rank|shape)"
    r"|Argument `output` must have rank \(ndim\) `target.ndim - 1`"
    r"|Cannot convert .* to a numpy array|could not convert string to float",
    "SHP603": r"Data cardinality is ambiguous",
    "SHP604": r"is incompatible with the layer: expected (shape=|axis)|Invalid input shape for input",
}

RUNNER = r"""
import json, os, runpy, sys, traceback
path = os.path.realpath(sys.argv[1])
tag = sys.argv[2]
sys.path.insert(0, os.path.dirname(path))   # a fixture project imports its own modules
sys.path.append(os.environ["SHAPELINT_TESTS_KERAS"])
import offline_datasets
offline_datasets.install()
out = {"raised": False}
try:
    env = runpy.run_path(path, run_name="__main__")
    # A fixture whose model is built by a function nothing in it calls names the call that
    # builds it for Keras: a comment line "# keras-truth: build_model((28, 28, 1), 10)".
    for line in open(path, encoding="utf-8"):
        if line.startswith("# keras-truth:"):
            eval(line.split(":", 1)[1].strip(), env)
except BaseException as exc:  # noqa: BLE001 - report everything
    frames = [
        f.lineno
        for f in traceback.extract_tb(exc.__traceback__)
        if os.path.realpath(f.filename) == path
    ]
    out = {
        "raised": True,
        "type": type(exc).__name__,
        "message": str(exc),
        "frames": frames,
    }
sys.stdout.flush()
print(tag + json.dumps(out))
"""


@dataclass
class Fixture:
    path: Path
    kind: str  # "buggy" or "correct"
    expects: dict[int, list[str]]  # marker line -> codes
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    lazy: dict[int, str] = field(default_factory=dict)   # "# keras raises here: SHPnnn" lines


@dataclass
class Outcome:
    fixture: Fixture
    ok: bool
    lines: list[str]


def find_fixtures(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        pp = Path(p)
        if pp.is_dir():
            # Modules of a fixture project's package are run through the program that
            # imports them, not on their own.
            found.extend(sorted(q for q in pp.rglob("*.py")
                                if q.is_file() and not (q.parent / "__init__.py").is_file()))
        elif pp.suffix == ".py":
            found.append(pp)
    return found


def parse_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    expects: dict[int, list[str]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = EXPECT_RE.search(line)
        if m:
            expects[lineno] = [c.strip() for c in m.group(1).split(",")]
    parts = {part.lower() for part in path.parts}
    if "buggy" in parts:
        kind = "buggy"
    elif "correct" in parts:
        kind = "correct"
    else:
        kind = "buggy" if expects else "correct"
    fx = Fixture(path=path, kind=kind, expects=expects)
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = LAZY_RE.search(line)
        if m:
            fx.lazy[lineno] = m.group(1)
    # A call that starts on a marker line may span several lines: any line of
    # it counts as a hit.
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError:
        tree = None
    for lineno in expects:
        end = lineno
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and node.lineno == lineno:
                    end = max(end, node.end_lineno or lineno)
        fx.spans[lineno] = (lineno, end)
    return fx


def run_fixture(path: Path, timeout: float) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env["CUDA_VISIBLE_DEVICES"] = ""  # CPU only
    env["SHAPELINT_TESTS_KERAS"] = str(Path(__file__).resolve().parent)  # offline_datasets
    env.setdefault("PYTHONWARNINGS", "ignore")
    with tempfile.TemporaryDirectory(prefix="keras_truth_") as cwd:
        try:
            proc = subprocess.run(
                [sys.executable, "-c", RUNNER, str(path.resolve()), RESULT_TAG],
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f}s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"error": f"runner died (rc={proc.returncode}): " + " | ".join(tail)}


def one_line(msg: str, limit: int = 220) -> str:
    msg = ANSI_RE.sub("", msg)
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def _is_error(code: str) -> bool:
    """Error-severity rules are the ones Keras raises for (see shapelint.registry)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from shapelint.registry import BY_CODE

    rule = BY_CODE.get(code)
    return rule is None or rule.severity == "error"


def judge(fx: Fixture, res: dict) -> Outcome:
    lines: list[str] = []
    ok = True
    if "error" in res:
        return Outcome(fx, False, [f"runner error: {res['error']}"])

    if fx.kind == "correct":
        if fx.expects:
            ok = False
            lines.append(
                "correct fixture has # expect: markers on lines "
                + ", ".join(map(str, sorted(fx.expects)))
            )
        if res["raised"]:
            ok = False
            frames = res["frames"]
            lines.append(
                f"raised {res['type']} at fixture line "
                f"{frames[-1] if frames else '?'}: {one_line(res['message'])}"
            )
        else:
            lines.append("ran without exception")
        return Outcome(fx, ok, lines)

    # buggy
    if not fx.expects:
        ok = False
        lines.append("buggy fixture has no # expect: marker")
    # Warnings (weight sharing, parameter hot spots) mark bugs Keras builds silently.
    raising = {ln: cs for ln, cs in fx.expects.items() if any(_is_error(c) for c in cs)}
    if fx.expects and not raising:
        if res["raised"]:
            frames = res["frames"]
            return Outcome(fx, False, lines + [
                f"only warnings expected, but raised {res['type']} at line "
                f"{frames[-1] if frames else '?'}: {one_line(res['message'])}"])
        return Outcome(fx, ok, lines + ["built without exception (only warnings expected)"])
    if not res["raised"]:
        return Outcome(fx, False, lines + ["did NOT raise (Keras accepts it)"])
    frames = res["frames"]
    deepest = frames[-1] if frames else None
    expected_desc = ", ".join(
        f"{ln}" + (f"-{fx.spans[ln][1]}" if fx.spans[ln][1] != ln else "")
        + f" ({'/'.join(fx.expects[ln])})"
        for ln in sorted(fx.expects)
    )
    hit = None
    for ln, (lo, hi) in fx.spans.items():
        if ln in raising and deepest is not None and lo <= deepest <= hi:
            hit = ln
    for ln, code in fx.lazy.items():      # Keras builds this model later, and raises there
        if ln == deepest:
            hit = next((e for e in sorted(fx.expects) if code in fx.expects[e]), hit)
    lines.append(
        f"raised {res['type']}; deepest fixture frame: line {deepest}; "
        f"expected line: {expected_desc}"
    )
    lines.append(f"message: {one_line(res['message'])}")
    if res["type"] in NOT_A_SHAPE_ERROR:
        ok = False
        lines.append(f"{res['type']} is not a shape error: the fixture is broken")
    if hit is None:
        ok = False
        lines.append("MISMATCH: deepest frame is not on an # expect: line")
    else:
        msg = " ".join(ANSI_RE.sub("", res["message"]).split())
        codes = fx.expects[hit]
        if not any(
            re.search(MESSAGE_PATTERNS[c], msg) for c in codes if c in MESSAGE_PATTERNS
        ):
            ok = False
            lines.append(
                f"MISMATCH: message does not look like a Keras {'/'.join(codes)} error"
            )
        unknown = [c for c in codes if c not in MESSAGE_PATTERNS]
        if unknown:
            ok = False
            lines.append(f"unknown rule code(s): {', '.join(unknown)}")
    return Outcome(fx, ok, lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", default=["fixtures"])
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("-v", "--verbose", action="store_true", help="details for passes too")
    args = ap.parse_args(argv)

    files = find_fixtures(args.paths)
    if not files:
        print("no fixtures found", file=sys.stderr)
        return 2
    fixtures = [parse_fixture(p) for p in files]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda f: run_fixture(f.path, args.timeout), fixtures))

    n_bad = 0
    for fx, res in zip(fixtures, results):
        out = judge(fx, res)
        codes = sorted({c for cs in fx.expects.values() for c in cs})
        label = ",".join(codes) if fx.kind == "buggy" else "correct"
        status = "ok  " if out.ok else "FAIL"
        print(f"{status} {fx.path}  [{label}]")
        if args.verbose or not out.ok:
            for line in out.lines:
                print(f"       {line}")
        n_bad += not out.ok
    n = len(fixtures)
    n_buggy = sum(f.kind == "buggy" for f in fixtures)
    print(
        f"\n{n - n_bad}/{n} fixtures agree with Keras "
        f"({n_buggy} buggy, {n - n_buggy} correct); {n_bad} mismatch(es)"
    )
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
