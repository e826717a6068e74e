"""Turn a file's builds into verdicts on its static findings.

A finding is *confirmed* when TensorFlow raised for the same call, *refuted* when
TensorFlow built that call without error (the finding is withdrawn and reported as an
analyzer bug), and *unverified* otherwise, with the reason. A build error nobody
reported becomes an SHP901 finding of its own.

Where the model meets its data (SHP601-SHP604), Keras raises in fit/evaluate/predict: the
build calls the model there on zeros of the data's shapes instead
(:mod:`shapelint.validation.feeds`), and the finding takes its verdict from that call. A
warning Keras raises nothing for (SHP605) is confirmed or refuted by a check of its claim
on the real layers (:mod:`shapelint.validation.probes`), where one exists.

A file may be built several times (:mod:`shapelint.validation.continuation`): each build
after the first leaves out what an earlier one stopped at. A finding takes its verdict
from the first build that settles it; "the build stopped before this line" settles
nothing while another build follows.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from shapelint.findings import Diagnostic, FileResult, Position
from shapelint.registry import BY_CODE
from shapelint.validation.agreement import format_real
from shapelint.validation.feeds import Feed
from shapelint.validation.probes import UNCHECKED
from shapelint.violations.meta import BuildError

if TYPE_CHECKING:
    from shapelint.validation.agreement import Disagreement
    from shapelint.validation.program import BuildProgram
    from shapelint.validation.protocol import CallRecord, CtorRecord, ErrorInfo
    from shapelint.validation.runner import BuildOutcome

# Whether a finding of this code on this line is suppressed in the file.
Suppressed = Callable[[str, int], bool]

CONFIRMED, REFUTED, UNVERIFIED = "confirmed", "refuted", "unverified"
BUILD_ERROR = "SHP901"
FOUND_BY_BUILDING = "found by building the model with TensorFlow; the static analysis did not report it"


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reason: str
    keras_error: str | None = None
    shapes: dict[str, str] | None = None   # refuted: what each side saw ("static", "tensorflow")

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"verdict": self.verdict, "reason": self.reason,
                                  "keras_error": self.keras_error}
        if self.shapes:
            out["shapes"] = self.shapes
        return out


@dataclass(frozen=True)
class ValidatedDiagnostic(Diagnostic):
    validation: Verdict | None = None


@dataclass(frozen=True)
class ValidatedFileResult(FileResult):
    withdrawn: tuple[ValidatedDiagnostic, ...] = ()   # refuted findings: not findings any more
    disagreements: tuple[Disagreement, ...] = ()
    outcome: BuildOutcome | None = None               # of the first build (None: not built)
    outcomes: tuple[BuildOutcome | None, ...] = ()    # every build's outcome, in order
    missing: tuple[str, ...] = ()   # modules the file imports that its builds could not find


def with_verdict(d: Diagnostic, verdict: Verdict) -> ValidatedDiagnostic:
    values = {f.name: getattr(d, f.name) for f in fields(d) if f.name != "validation"}
    return ValidatedDiagnostic(**values, validation=verdict)


_WRAPPED = re.compile(r"^Exception encountered when calling \S+\.?\s*")
_TF_NODE = re.compile(r" for '\{\{node [^']*' with")


def core_message(message: str) -> str:
    """Keras's message without its wrappers: the part that says what is wrong."""
    text = " ".join(str(message).split())
    for marker in ("Error encountered:",):
        if marker in text:
            text = text.split(marker, 1)[1]
    for tail in ("Arguments received by", "Call arguments received by"):
        text = text.split(tail, 1)[0]
    text = _TF_NODE.sub(" with", _WRAPPED.sub("", text.strip()))
    return text.strip()


def keras_error(error: ErrorInfo, limit: int = 400) -> str:
    message = core_message(error.get("message", ""))
    if len(message) > limit:
        message = message[:limit - 3] + "..."
    return f"{error.get('type', 'Exception')}: {message}"


def _within(row: int | None, start: int, end: int) -> bool:
    return row is not None and start <= row <= end


def _error_hits(error: ErrorInfo, start: int, end: int) -> bool:
    """The exception belongs to the call at start..end: its line, or (Keras calling a
    layer for the file, as Sequential does) the failing layer's constructor line."""
    if _within(error.get("row"), start, end):
        return True
    layer = error.get("layer")
    if not layer:
        return False
    ctor = layer.get("ctor") or [None]
    return _within(ctor[0], start, end) or _within(layer.get("row"), start, end)


def _ran(outcome: BuildOutcome, start: int, end: int) -> list[CallRecord] | list[CtorRecord]:
    """Real layer calls (or, failing that, constructions) on lines start..end."""
    calls = [c for c in outcome.calls if _within(c.get("row"), start, end)
             or _within((c.get("ctor") or [None])[0], start, end)]
    return calls or [c for c in outcome.ctors if _within(c.get("row"), start, end)]


def _tensorflow_side(done: CallRecord | CtorRecord) -> str:
    """What TensorFlow did on the line: the call with its real shapes, or the construction."""
    if "inputs" not in done:
        return f"{done.get('layer', 'layer')} constructed"
    real_in = ", ".join(format_real(s) for s in done.get("inputs", [])) or "?"
    real_out = ", ".join(format_real(s) for s in done.get("outputs", [])) or "?"
    return f"{done.get('layer', 'layer')} on {real_in} -> {real_out}"


def _stop_text(error: ErrorInfo) -> str:
    where = f"line {error['row']}" if error.get("row") else "an unknown line"
    kind = error.get("kind")
    if kind == "missing":
        return f"{where}: {_missing_root(error)} is not installed where the build runs"
    if kind == "network":
        return f"{where} tried to reach the network (blocked)"
    if kind == "write":
        return f"{where} tried to write outside the sandbox (blocked)"
    if kind == "exit":
        return f"{where} exited (SystemExit)"
    return f"{where} raised {keras_error(error)}"


def _check_claims(d: Diagnostic, outcome: BuildOutcome) -> Verdict:
    """Sharing and parameter findings claim what Keras builds: how many layers each
    constructor line makes, and how many weights they hold. Count them in the real model."""
    claims = d.claims
    assert claims is not None
    built = [c for c in outcome.ctors if c.get("direct") and c.get("row") in claims.ctor_rows
             and "trainable" in c]
    if not built:
        return Verdict(UNVERIFIED, "TensorFlow built none of the layers this finding is about")
    real = sum(c["trainable"] + c["non_trainable"] for c in built)
    if claims.copies is not None:
        per_row = {row: sum(1 for c in built if c["row"] == row) for row in claims.ctor_rows}
        copies, per_copy = claims.copies, claims.params
        claimed = None if per_copy is None else copies * per_copy
        if set(per_row.values()) == {copies} and (claimed is None or claimed == real):
            return Verdict(CONFIRMED, f"TensorFlow built {copies} separate copies "
                                      f"({real:,} parameters)")
        return Verdict(REFUTED, f"TensorFlow built {sorted(set(per_row.values()))} copies per "
                                f"layer with {real:,} parameters; the finding claimed {copies} "
                                f"copies" + (f" with {claimed:,}" if claimed is not None else ""),
                       shapes={"static": f"{copies} copies, {claimed} parameters",
                               "tensorflow": f"{per_row}, {real} parameters"})
    if claims.params is not None:
        if real == claims.params:
            return Verdict(CONFIRMED, f"TensorFlow's layer holds {real:,} parameters, as claimed")
        return Verdict(REFUTED, f"TensorFlow's layer holds {real:,} parameters; the finding "
                                f"claimed {claims.params:,}",
                       shapes={"static": str(claims.params), "tensorflow": str(real)})
    return Verdict(UNVERIFIED, "nothing a build can check")


def _missing_root(error: ErrorInfo) -> str:
    return str(error.get("missing_module") or "a module").split(".")[0]


@dataclass(frozen=True)
class Round:
    """One build of a file: the program it ran and what happened."""

    program: BuildProgram | None
    outcome: BuildOutcome | None


# --- the model meets its data (6xx) --------------------------------------------------------------
def _fed_ran(feed: Feed, outcome: BuildOutcome) -> bool:
    """Whether the stand-in for ``feed`` ran to its end in this build."""
    assert feed.stand_in is not None
    if feed.stand_in.method == "call":
        return bool(_ran(outcome, feed.row, feed.end))
    method = feed.stand_in.method
    return any(r.get("ok") and r.get("method") == method and _within(r.get("row"), feed.row, feed.end)
               for r in outcome.feeds)


def _partial(feed: Feed, outcome: BuildOutcome) -> str:
    """What of the file's data the stand-in for ``feed`` could not give the model ("": none)."""
    if any(r.get("compiled") is False and _within(r.get("row"), feed.row, feed.end) for r in outcome.feeds):
        return (f"the model is not compiled where the build reaches line {feed.row} (its compile() was left "
                "out or never ran), so only the features met it")
    return feed.stand_in.partial if feed.stand_in is not None else ""


def _fed_verdict(feeds: list[Feed], outcome: BuildOutcome, labels_matter: bool,
                 away: bool) -> tuple[Verdict, bool]:
    """The verdict the stand-ins of ``feeds`` give (``away``: they are on other lines than
    the finding, which is said; ``labels_matter``: a stand-in without labels settles nothing)."""
    made = [f for f in feeds if f.stand_in is not None]
    if not made:
        first = feeds[0]
        return Verdict(UNVERIFIED, f"no zero-filled data stands in at line {first.row}: {first.reason}"), True
    at = {id(f): f" at line {f.row}" if away else "" for f in feeds}
    error = outcome.error if outcome.status == "raised" else None
    for f in made:
        if error and _within(error.get("row"), f.row, f.end):
            if error.get("kind") == "build":
                partial = _partial(f, outcome)
                said = f"TensorFlow raised {error.get('type')}{at[id(f)]} for {f.describe()}"
                said += f" ({partial})" if partial else ""
                return Verdict(CONFIRMED, said, keras_error(error)), True
            return Verdict(UNVERIFIED, f"the build stopped{at[id(f)]} for another reason: "
                                       f"{_stop_text(error)}"), True
    ran = [f for f in made if _fed_ran(f, outcome)]
    if ran and len(ran) == len(feeds):
        partial = next((p for p in (_partial(f, outcome) for f in ran) if p), "")
        if partial and labels_matter:
            return Verdict(UNVERIFIED, f"the build could not give the model the labels: {partial}"), True
        done = "; ".join(f"{f.describe()}{at[id(f)]}" for f in ran)
        return Verdict(REFUTED, f"TensorFlow ran {done} without error" + (f" ({partial})" if partial else ""),
                       shapes={"static": "; ".join(f.stand_in.inferred for f in ran if f.stand_in),
                               "tensorflow": done}), True
    if ran:
        missing = next(f for f in feeds if f.stand_in is None)
        return Verdict(UNVERIFIED, f"no zero-filled data stands in for {missing.method} at line "
                                   f"{missing.row}: {missing.reason}"), True
    if error:
        return Verdict(UNVERIFIED, f"the build stopped before this line: {_stop_text(error)}"), False
    return Verdict(UNVERIFIED, "TensorFlow never ran this line (e.g. code in a function the file does not "
                               "call)"), True


def _at_the_call(d: Diagnostic, program: BuildProgram,
                 outcome: BuildOutcome) -> tuple[Verdict, bool] | None:
    """SHP601-SHP603, found at the data call: what its stand-in did. None when the line
    runs as the file writes it (``model(x)`` on arrays the build has)."""
    feeds = program.feeds_at(d.location.row, max(d.end_location.row, d.location.row))
    if not feeds:
        return None
    return _fed_verdict(feeds, outcome, labels_matter=d.code != "SHP601", away=False)


def _at_the_input(d: Diagnostic, program: BuildProgram,
                  outcome: BuildOutcome) -> tuple[Verdict, bool] | None:
    """SHP604, found at the Input: the model is built with the whole array's shape as the
    file writes it, and Keras raises when data meets it. Linked through the analysis: the
    data calls of every model whose Input is on this line (Feed.input_rows)."""
    raised_here = outcome.error is not None and outcome.error.get("row") == d.location.row
    if program.removed_at(d.location.row) is not None or raised_here:
        return None      # left out, or raised right here: the general rules
    feeds = program.feeds_of_input(d.location.row)
    if not feeds:
        return Verdict(UNVERIFIED, "the file gives the model built from this input no data (fit, evaluate, "
                                   "predict) the analysis followed, so no build meets the whole-array "
                                   "shape"), True
    verdict, settled = _fed_verdict(feeds, outcome, labels_matter=False, away=True)
    if verdict.verdict != UNVERIFIED:
        verdict = replace(verdict, reason="TensorFlow built this input as written, then "
                                          + verdict.reason.removeprefix("TensorFlow "))
    return verdict, settled


def _claim_checked(d: Diagnostic, program: BuildProgram,
                   outcome: BuildOutcome) -> tuple[Verdict, bool] | None:
    """SHP605, a warning Keras raises nothing for: the check of its claim, where one exists."""
    probe = next((p for p in program.probes if p.row == d.location.row), None)
    if probe is None:
        return Verdict(UNVERIFIED, "a warning: Keras does not raise for it, and no build checks its "
                                   "claim"), True
    if probe.claim in UNCHECKED:
        return Verdict(UNVERIFIED, UNCHECKED[probe.claim]), True
    result = next((r for r in outcome.probes if r.get("row") == probe.row and r.get("claim") == probe.claim),
                  None)
    holds, said = (result.get("holds"), result.get("detail")) if result is not None else (None, None)
    detail = str(said or "the check of its claim did not run")
    if holds is True:
        return Verdict(CONFIRMED, detail), True
    if holds is False:
        return Verdict(REFUTED, detail, shapes={"static": d.message, "tensorflow": detail}), True
    error = outcome.error if outcome.status == "raised" else None
    return Verdict(UNVERIFIED, f"the check of its claim could not run: {detail}"), error is None


# Where each rule's claim meets a build when the model meets its data (None: the general rules).
MEETS_DATA = {"SHP601": _at_the_call, "SHP602": _at_the_call, "SHP603": _at_the_call,
              "SHP604": _at_the_input, "SHP605": _claim_checked}


def _verdict(d: Diagnostic, program: BuildProgram | None,
             outcome: BuildOutcome | None) -> tuple[Verdict, bool]:
    """The verdict one build gives ``d``, and whether it settles it (another build could
    still reach a line this one stopped before)."""
    start, end = d.location.row, max(d.end_location.row, d.location.row)
    never = program.never_built(start) if program is not None else None
    if never is not None:
        return Verdict(UNVERIFIED, never.reason()), True
    if outcome is None or outcome.status in ("timeout", "crashed", "skipped"):
        return Verdict(UNVERIFIED, outcome.detail if outcome is not None else "the file was not built"), True
    meets = MEETS_DATA.get(d.code)
    found = meets(d, program, outcome) if meets is not None and program is not None else None
    if found is not None:
        return found
    span = program.removed_at(start) if program is not None else None
    if span is not None:
        return Verdict(UNVERIFIED, f"the build leaves line {start} out ({span.reason})"), True
    error = outcome.error if outcome.status == "raised" else None
    if error and _error_hits(error, start, end):
        if error.get("kind") == "build":
            return Verdict(CONFIRMED, f"TensorFlow raised {error.get('type')} for this call",
                           keras_error(error)), True
        return Verdict(UNVERIFIED, f"the build stopped here for another reason: {_stop_text(error)}"), True
    if d.claims is not None and outcome.status == "built":
        return _check_claims(d, outcome), True
    stopped = Verdict(UNVERIFIED, f"the build stopped before this line: {_stop_text(error)}") \
        if error else None
    if d.severity != "error":
        if stopped:
            return stopped, False
        return Verdict(UNVERIFIED, "a warning: Keras does not raise for it, so building cannot settle "
                                   "it"), True
    ran = _ran(outcome, start, end)
    if ran:
        static = "; ".join(f"{t.label} {t.shape}" for t in d.trace) or "(no shapes recorded)"
        tf_side = _tensorflow_side(ran[0])
        return Verdict(REFUTED, f"TensorFlow built this call without error: {tf_side}",
                       shapes={"static": static, "tensorflow": tf_side}), True
    if stopped:
        return stopped, False
    return Verdict(UNVERIFIED, "TensorFlow never ran this line (e.g. code in a function the file does not "
                               "call)"), True


def _lines(program: BuildProgram) -> str:
    rows = [c.row for c in program.cuts]
    return f"line {rows[0]}" if len(rows) == 1 else "lines " + ", ".join(map(str, rows))


def _context(program: BuildProgram | None) -> str:
    """How a later build differs from the file: what it leaves out."""
    if program is None or not program.cuts:
        return ""
    return (f" (in a build without {_lines(program)}, where earlier builds stopped, and what depends on "
            f"{'it' if len(program.cuts) == 1 else 'them'})")


@dataclass
class Judgement:
    kept: list[ValidatedDiagnostic] = field(default_factory=list)        # confirmed or unverified
    withdrawn: list[ValidatedDiagnostic] = field(default_factory=list)   # refuted
    added: list[ValidatedDiagnostic] = field(default_factory=list)       # SHP901
    notes: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)   # modules the builds could not import
    unsettled: int = 0     # findings the last build stopped before: a further build could settle them


def judge(result: FileResult, rounds: list[Round],
          suppressed: Suppressed = lambda code, row: False) -> Judgement:
    """Verdicts from the file's builds (:class:`Round`, first to last)."""
    out = Judgement()
    confirmed_in: dict[int, int] = {}
    for d in result.diagnostics:
        verdict = Verdict(UNVERIFIED, "the file was not built")
        for i, rnd in enumerate(rounds):
            verdict, settled = _verdict(d, rnd.program, rnd.outcome)
            out.unsettled += not settled and i == len(rounds) - 1
            if settled or i == len(rounds) - 1:
                if i and verdict.verdict != UNVERIFIED:
                    verdict = replace(verdict, reason=verdict.reason + _context(rnd.program))
                if verdict.verdict == CONFIRMED:
                    confirmed_in[i] = confirmed_in.get(i, 0) + 1
                break
        target = out.withdrawn if verdict.verdict == REFUTED else out.kept
        target.append(with_verdict(d, verdict))
        if verdict.verdict == REFUTED:
            static = (verdict.shapes or {}).get("static")
            out.notes.append(f"validation: withdrew {d.code} at line {d.location.row}: analyzer bug: "
                             f"shapelint saw {static}, but {verdict.reason}")
    for i in range(len(rounds)):
        _judge_stop(result.path, i, rounds, confirmed_in.get(i, 0), suppressed, out)
    first = rounds[0].program if rounds else None
    if first is not None:
        for span in first.needs_data:
            out.notes.append(f"validation: the build leaves line {span.start} out, with what depends on it: "
                             f"{span.reason}")
        for u in first.uncalled:
            if not u.buildable:
                out.notes.append(f"validation: {u.reason()}, so it was not built")
    seen: set[tuple[str, str]] = set()
    for rnd in rounds:
        for attempt in rnd.outcome.network if rnd.outcome is not None else ():
            if ("network", attempt) not in seen:
                seen.add(("network", attempt))
                out.notes.append(f"validation: blocked network access: {attempt}")
        for attempt in rnd.outcome.writes if rnd.outcome is not None else ():
            if ("write", attempt) not in seen:
                seen.add(("write", attempt))
                out.notes.append(f"validation: blocked a write outside the sandbox: {attempt}")
    return out


def _judge_stop(path: str, i: int, rounds: list[Round], confirmed: int, suppressed: Suppressed,
                out: Judgement) -> None:
    """What build ``i`` stopping says beyond the findings: SHP901, or a note."""
    program, outcome = rounds[i].program, rounds[i].outcome
    if outcome is not None and outcome.status in ("timeout", "crashed", "skipped"):
        out.notes.append(f"validation: {outcome.detail}")
        return
    error = outcome.error if outcome is not None and outcome.status == "raised" else None
    if not error:
        return
    kind = error.get("kind")
    went_on = i + 1 < len(rounds)
    if kind == "missing":
        out.missing.add(_missing_root(error))
        return
    if kind == "build" and confirmed:
        return
    through = _uncalled_through(error, program)
    if kind == "build" and through is not None:
        out.notes.append(f"validation: calling {through}() with its defaults (the file never calls it) "
                         f"raised {keras_error(error)}")
        return
    row = error.get("row")
    feeds = program.feeds_at(row, row) if kind == "build" and row and program is not None else []
    if feeds:   # not SHP901: zeros only stand in for the file's data
        out.notes.append(f"validation: the model raised at line {row} on the zeros standing in for its "
                         f"data ({feeds[0].describe()}): {keras_error(error)}; not reported as SHP901, since "
                         "the zeros only stand in for the file's data")
        return
    if kind == "build" and row:
        if i == 0:
            if not suppressed(BUILD_ERROR, row):
                out.added.append(build_error(path, error, row))
        elif program is not None:   # not SHP901: leaving earlier lines out may be what made it raise
            out.notes.append(f"validation: a build without {_lines(program)} (where earlier builds stopped) "
                             f"raised at line {row}: {keras_error(error)}; not reported as SHP901, "
                             "since leaving those lines out may be what made it raise")
        return
    if kind == "build":
        return
    following = rounds[i + 1].program if went_on else None
    if following is not None and following.cuts:
        cut = following.cuts[-1]
        out.notes.append(f"validation: the build left line {cut.row} out ({cut.reason}) with what depends "
                         "on it")
    else:
        out.notes.append(f"validation: the build stopped at {_stop_text(error)}; anything after it is "
                         "unverified")


def _uncalled_through(error: ErrorInfo, program: BuildProgram | None) -> str | None:
    """The function the epilogue called, when the exception came through that call."""
    if program is None:
        return None
    rows = [f[0] for f in error.get("frames") or [] if isinstance(f, list) and f and isinstance(f[0], int)]
    for k, row in enumerate(rows):
        if program.in_epilogue(row):
            inner = rows[k + 1] if k + 1 < len(rows) else None
            names = [u.name for u in program.uncalled if inner is not None and u.start <= inner <= u.end]
            return names[0] if names else "a function"
    return None


def build_error(path: str, error: ErrorInfo, row: int) -> ValidatedDiagnostic:
    """SHP901 for ``error``, which the build raised at ``row``."""
    rule = BY_CODE.get(BUILD_ERROR)
    name, severity, url = (rule.name, rule.severity, rule.url) if rule else ("build-error", "error", None)
    end_row = error.get("end_row") or row
    col = (error.get("col") or 0) + 1
    end_col = (error.get("end_col") or (error.get("col") or 0)) + 1
    text = keras_error(error)
    return ValidatedDiagnostic(
        path=path, code=BUILD_ERROR, name=name, severity=severity,
        message=BuildError(keras_error=keras_error(error, 240)).message(),
        location=Position(row, col), end_location=Position(end_row, end_col), url=url,
        notes=(FOUND_BY_BUILDING,),
        validation=Verdict(CONFIRMED, FOUND_BY_BUILDING, text),
    )
