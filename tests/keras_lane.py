"""The two test lanes: the suites under tests/keras/ need TensorFlow; nothing else may load it.

tests/keras/ is not even collected (its modules import TensorFlow at import time) when
TensorFlow is not installed or when `-m` leaves out tests marked `keras`; everything in it
is marked `keras`. A session that neither collects tests/keras/ nor selects a `keras` test
fails if TensorFlow, Keras or tf_keras is loaded at its end, naming who loaded it first.

This lives in a plugin (loaded by tests/conftest.py) rather than in tests/keras/conftest.py:
two conftest.py files outside packages share the module name `conftest`, and pytest evicts
the first from sys.modules when it loads the second, so every later `from conftest import
ROOT` would import the wrong one.
"""
from __future__ import annotations

import functools
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.mark import MarkMatcher
from _pytest.mark.expression import Expression

KERAS_DIR = Path(__file__).resolve().parent / "keras"
FRAMEWORKS = ("tensorflow", "keras", "tf_keras")


@functools.cache
def tensorflow_installed() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


def keras_lane_selected(config: pytest.Config) -> bool:
    """Whether `-m` keeps a test marked `keras` (pytest's own matcher, on that one mark)."""
    expression = config.option.markexpr
    if not expression:
        return True
    try:
        return Expression.compile(expression).evaluate(MarkMatcher.from_markers([pytest.mark.keras.mark]))
    except SyntaxError:
        return True   # pytest reports the bad expression itself


def loaded_frameworks() -> list[str]:
    return [name for name in FRAMEWORKS if sys.modules.get(name) is not None]


def in_keras_dir(path: Path) -> bool:
    return path == KERAS_DIR or KERAS_DIR in path.parents


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if in_keras_dir(collection_path) and not (tensorflow_installed() and keras_lane_selected(config)):
        return True
    return None


def pytest_itemcollected(item: pytest.Item) -> None:
    if in_keras_dir(item.path):
        item.add_marker(pytest.mark.keras)


@dataclass
class Guard:
    """Who loaded a framework first, and whether this session may load one at all."""
    first_loader: str | None = None
    keras_collected: bool = False
    active: bool = False


GUARD = pytest.StashKey[Guard]()


def _note_loader(config: pytest.Config, who: str) -> None:
    guard = config.stash[GUARD]
    if guard.first_loader is None and loaded_frameworks():
        guard.first_loader = who


def pytest_configure(config: pytest.Config) -> None:
    config.stash[GUARD] = Guard()
    _note_loader(config, "pytest's start-up (a plugin or conftest)")


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = yield
    _note_loader(collector.config, f"collecting {collector.nodeid}")
    if in_keras_dir(collector.path):
        collector.config.stash[GUARD].keras_collected = True
    return report


def pytest_collection_finish(session: pytest.Session) -> None:
    guard = session.config.stash[GUARD]
    keras_selected = any(item.get_closest_marker("keras") for item in session.items)
    guard.active = not (guard.keras_collected or keras_selected)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    _note_loader(item.config, item.nodeid)
    return result


def _violation(config: pytest.Config) -> str | None:
    guard = config.stash[GUARD]
    if not (guard.active and loaded_frameworks()):
        return None
    return (f"{', '.join(loaded_frameworks())} loaded in a session without keras tests, first by "
            f"{guard.first_loader}: code that needs TensorFlow belongs in tests/keras/")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _violation(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    message = _violation(config)
    if message:
        terminalreporter.write_sep("=", "TensorFlow in the non-keras lane", red=True)
        terminalreporter.write_line(message)
