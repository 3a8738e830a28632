from __future__ import annotations

from typing import Any

from sportify_cli.tables import render_table


def test_every_column_is_as_wide_as_its_widest_cell() -> None:
    rows: list[dict[str, Any]] = [{"a": "x", "b": 1}, {"a": "longer", "b": None}]

    table = render_table(rows, [("A", "a"), ("BEE", "b")]).splitlines()

    assert table == ["A       BEE", "x       1", "longer  -"]


def test_a_cell_is_one_line_and_long_text_is_cut() -> None:
    rows = [{"e": "line one\nline\ttwo " + "x" * 80, "f": True}]

    [_heading, row] = render_table(rows, [("E", "e"), ("F", "f")]).splitlines()

    assert "\n" not in row
    assert row.startswith("line one line two xxx")
    assert row.endswith("…  yes")
