"""`+ - * /` outside the brackets mean what they mean inside.

Numbers with numbers are arithmetic (`1/8`, `2 * 3`). With a pattern or a
signal on the left, `*` and `/` are time, as in mini-notation: `p * 2` is
`p.fast(2)`, `p / 2` is `p.slow(2)`, and the right side may be a pattern
(`p * [1 2]`, `p * "<1 2>"`). `+` and `-` add to values from either side
(`[0 4 7] + 60`); value multiplication is the method `mul`, division `div`.
A number times a pattern (`2 * p`) is refused with a hint: it reads as
either, and a wrong guess would sound wrong without a word.
A string operand is mini-notation (`"C4 E4" * 2`).
"""

from __future__ import annotations

from typing import Any

from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY, describe, pattern_of_text
from trackjammer.core.transforms.arith import combine
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError

TIME = {"*": "fast", "/": "slow"}


def operate(left: Any, right: Any, op: str) -> Any:
    """`left op right` for numbers, patterns, signals and mini-notation strings."""
    left, right = pattern_of_text(left), pattern_of_text(right)
    for value in (left, right):
        if not (is_number(value) or isinstance(value, Pattern)):
            raise ArgumentError(f"cannot use '{op}' with {describe(value)}", hint="use numbers and patterns")
    if op in TIME and isinstance(left, Pattern):
        return REGISTRY[TIME[op]].apply(left, right)
    if op in TIME and isinstance(right, Pattern):
        faster, values = ("p * 2", "p.mul(2)") if op == "*" else ("p / 2", "p.div(2)")
        raise ArgumentError(
            f"a number {op} a pattern has no meaning here: on patterns '{op}' is time, and the pattern goes first",
            hint=f"write {faster} to play it {'faster' if op == '*' else 'slower'}, or {values} for its values",
        )
    return combine(left, right, op)
