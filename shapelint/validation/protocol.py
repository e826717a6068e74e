"""The messages between the runner, the zygote and each build, as typed dicts.

They travel as JSON (lines on the zygote's stdin/stdout, frames on a build's result
channel), so they stay plain dicts; these types say what the worker writes, every key of
each (they are final: a reader tells two apart by a key only one has). What comes back
from a build is written after the file's code ran: the runner cleans it
(:class:`~shapelint.validation.sandbox.untrusted.Cleaner`) and gives it these types without
checking every field, so a forged field can make a reader fail, which costs that file its
verdicts (a note), never the run.
"""
from __future__ import annotations

from typing import TypedDict, final

# [row, col, end_row, end_col] of a place in the file: rows 1-based, columns 0-based and in
# characters; None where Python does not know it.
Place = list[int | None]
# A real tensor's shape as TensorFlow had it (None: an unknown size).
RealShape = list[int | None]


# --- runner -> zygote ----------------------------------------------------------------------------
@final
class ProbeRequest(TypedDict):
    """Check ``claim`` of the finding at ``row`` on the layers made at ``layer_row``."""

    row: int
    claim: str
    layer_row: int


@final
class BuildRequest(TypedDict):
    """Build ``program`` as ``filename`` within ``timeout`` seconds (``{"stop": true}`` instead
    ends the zygote)."""

    id: int
    filename: str
    program: str
    timeout: float
    probes: list[ProbeRequest]


# --- a build -> the zygote: the set-up frame, then a BuildResult -------------------------------
@final
class SetupFrame(TypedDict, total=False):
    """Written before any code of the file runs: the layers in force, or why not."""

    sandbox: list[str]
    refused: str


@final
class FailingLayer(TypedDict):
    """The innermost layer whose call raised: where it was called and constructed."""

    layer: str
    row: int | None
    ctor: list[int | None] | None


class _ErrorCore(TypedDict):
    type: str
    message: str
    kind: str                     # build | program | missing | network | write | exit
    in_framework: bool
    user_rows: list[int | None]


@final
class ErrorInfo(_ErrorCore, total=False):
    """How a build stopped: the exception, located at its deepest frame in the file."""

    frames: list[Place]           # every frame in the file, outermost first
    layer: FailingLayer | None
    missing_module: str           # kind "missing": the module that is not installed
    row: int | None
    col: int | None
    end_row: int | None
    end_col: int | None


@final
class CallRecord(TypedDict):
    """One real layer call (``direct``: the file's code made it, not Keras on its behalf)."""

    row: int | None
    col: int | None
    end_row: int | None
    end_col: int | None
    direct: bool
    ctor: list[int | None] | None    # [row, col] of the layer's constructor in the file
    ctor_direct: bool                # False for a layer Keras made itself
    layer: str
    obj: int                         # the layer's id(): calls of one layer share it
    inputs: list[RealShape | None]
    outputs: list[RealShape | None]


class _CtorCore(TypedDict):
    row: int | None
    col: int | None
    end_row: int | None
    layer: str
    direct: bool


@final
class CtorRecord(_CtorCore, total=False):
    """One layer construction, and its weights once the build is over."""

    trainable: int
    non_trainable: int


@final
class FeedRecord(TypedDict):
    """One call of a stand-in for the file's data (train_on_batch...) at ``row``."""

    row: int | None
    method: str
    compiled: bool                # False: the model was not compiled, it got the features alone
    ok: bool                      # the call returned


@final
class ProbeResult(TypedDict):
    """``holds``: the claim is true of the real layer (True), false, or could not be checked."""

    row: int
    claim: str
    holds: bool | None
    detail: str


class _ResultCore(TypedDict):
    ok: bool
    error: ErrorInfo | None


@final
class BuildResult(_ResultCore, total=False):
    """What one build did (a program that does not compile gives ``ok`` and ``error`` only)."""

    seconds: float
    probes: list[ProbeResult]
    calls: list[CallRecord]
    ctors: list[CtorRecord]
    feeds: list[FeedRecord]
    network: list[str]            # blocked attempts
    writes: list[str]
    resources: dict[str, int]     # VmPeak, VmHWM (KiB), Threads


# --- zygote -> runner ------------------------------------------------------------------------
@final
class SandboxInfo(TypedDict):
    mode: str
    layers: list[str]
    missing: list[str]


@final
class Hello(TypedDict, total=False):
    """The zygote's first line: ready (with versions and the sandbox), or why not."""

    ready: bool
    error: str
    refused: str
    sandbox: SandboxInfo
    seconds: float
    tensorflow: str
    keras: str
    pid: int


@final
class Answer(TypedDict, total=False):
    """The zygote's answer to one request."""

    id: int | None
    status: str                   # done | timeout | refused | crashed
    sandbox: list[str]
    detail: str
    result: BuildResult
