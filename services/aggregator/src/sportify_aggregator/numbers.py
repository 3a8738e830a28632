"""Numbers as the reader's locale writes them: "12.345,5" / "12,345.5". Pure.

The separators come from Babel (CLDR) once per locale; the formatting itself is Python's
`format` with a swap of the separators, because `babel.numbers.format_decimal` costs ~27 µs a
call and an email formats a few dozen numbers, 100,000 times a run. A test checks both agree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from babel.numbers import get_decimal_symbol, get_group_symbol

MAX_DECIMALS: Final = 1
"""Figures in an email carry at most one decimal (kilometres, fractional points)."""


@dataclass(frozen=True, slots=True)
class NumberStyle:
    table: dict[int, str]  # str.translate: Python's "," and "." to the locale's


@functools.cache
def style(locale: str) -> NumberStyle:
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    return NumberStyle(str.maketrans({",": group, ".": decimal}))


def format_number(value: float, locale: str) -> str:
    """`value` rounded to at most one decimal, grouped: 12345.54 -> "12.345,5" (de)."""
    if type(value) is int:  # the common case: counts and ranks
        text = f"{value:,}"
        return text if -1000 < value < 1000 else text.translate(style(locale).table)
    rounded = round(float(value), MAX_DECIMALS)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.{MAX_DECIMALS}f}"
    return text.translate(style(locale).table)


def format_change(difference: float, locale: str) -> str:
    """ "▲ 120", "▼ 1,5" or "±0": the arrow says the direction, the number its size."""
    rounded = round(float(difference), MAX_DECIMALS)
    if rounded == 0:
        return "±0"
    arrow = "▲" if rounded > 0 else "▼"
    return f"{arrow} {format_number(abs(rounded), locale)}"
