"""Calling a callable that is one of a few known ones, after branches that chose.

``layer = StochasticDepth(rate) if rate else Activation("linear")`` under an unknown rate
(ConvNeXt's blocks) leaves ``layer`` one of two layers (:func:`~shapelint.interp.kinds.either`
keeps both). Both keep the shape, so what the call returns is known although the choice is
not: calling :class:`~shapelint.interp.values.Alternatives` calls each option and joins the
results, as running both branches of an unknown ``if`` does. Findings inside those calls
are withheld: not every option is taken.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapelint.interp.kinds import Kind, join_values, kind_of, register
from shapelint.interp.values import Alternatives, Value

if TYPE_CHECKING:
    from shapelint.interp.host import Host


def _join_all(values: list[Value]) -> Value:
    result = values[0]
    for value in values[1:]:
        result = join_values(result, value)
    return result


class AlternativesKind(Kind[Alternatives]):
    callable = True

    def call(self, host: Host, value: Alternatives, args: list[Value], kwargs: dict[str, Value], node: Any,
             complete: bool) -> Value:
        host.guards.depth += 1
        try:
            return _join_all([host.call(option, list(args), dict(kwargs), node, complete)
                              for option in value.options])
        finally:
            host.guards.depth -= 1

    def attr(self, host: Host, value: Alternatives, name: str, node: Any = None) -> Value:
        return _join_all([host.get_attr(option, name) for option in value.options])

    def truth(self, value: Alternatives) -> bool | None:
        answers = {_truth(option) for option in value.options}
        return answers.pop() if len(answers) == 1 else None

    def children(self, value: Alternatives) -> list[Value]:
        return list(value.options)


def _truth(value: Value) -> bool | None:
    kind = kind_of(value)
    return kind.truth(value) if kind is not None else True


register(Alternatives, AlternativesKind())
