"""Limits that keep the analysis of any input bounded in time and memory.

Steps are counted per *unit* — one module-level statement, or one function analysed on its
own — so a loop that exhausts its budget gives up on that statement only and the rest of
the file is still analysed. A wall-clock deadline per file bounds everything else.
"""
from __future__ import annotations

import time

MAX_UNROLL = 64                 # iterations of a loop over a known iterable
MAX_CALL_DEPTH = 24             # nested user-function calls
MAX_SAME_FUNCTION = 3           # recursion depth of one function
MAX_EXPRESSION_DEPTH = 60       # nested sub-expressions evaluated (deeper: unknown)
UNIT_STEPS = 200_000            # evaluation steps per unit
FILE_STEPS = 2_000_000          # evaluation steps per file, all units together
DEFAULT_SECONDS = 20.0          # wall-clock time per file
_CLOCK_EVERY = 4096             # steps between two looks at the clock


class BudgetExceeded(Exception):
    """The current unit (or the whole file) ran out of steps or time."""

    def __init__(self, reason: str, whole_file: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.whole_file = whole_file


class Budget:
    def __init__(self, seconds: float | None = DEFAULT_SECONDS,
                 unit_steps: int | None = None, file_steps: int | None = None) -> None:
        self.unit_steps = unit_steps or UNIT_STEPS
        self.file_steps = file_steps or FILE_STEPS
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.seconds = seconds
        self.steps = 0
        self.unit_start = 0
        self.exhausted: str | None = None     # set once the whole file is out of budget
        self.timed_out = False                   # the clock, not the steps: depends on the machine

    def start_unit(self) -> None:
        self.unit_start = self.steps

    def tick(self) -> None:
        self.steps += 1
        if self.steps - self.unit_start > self.unit_steps:
            raise BudgetExceeded(f"its budget of {self.unit_steps:,} steps ran out", whole_file=False)
        if self.steps > self.file_steps:
            self.exhausted = f"the file's budget of {self.file_steps:,} steps ran out"
            raise BudgetExceeded(self.exhausted, whole_file=True)
        if self.deadline is not None and self.steps % _CLOCK_EVERY == 0 \
                and time.monotonic() > self.deadline:
            self.exhausted = f"the time limit of {self.seconds:g} s per file ran out"
            self.timed_out = True
            raise BudgetExceeded(self.exhausted, whole_file=True)
