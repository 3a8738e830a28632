from __future__ import annotations

from uuid import UUID

import pytest

from sportify_monitor.params import ParamError, parse_flag, parse_uuid


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)],
)
def test_flags_accept_true_and_false(value: str | None, expected: bool) -> None:
    assert parse_flag("force", value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_other_flag_values_are_refused(value: str) -> None:
    with pytest.raises(ParamError, match="force must be true or false"):
        parse_flag("force", value)


def test_uuids_parse_and_garbage_is_refused() -> None:
    value = "0f0e0d0c-0b0a-0908-0706-050403020100"

    assert parse_uuid("id", value) == UUID(value)
    with pytest.raises(ParamError):
        parse_uuid("id", "nope")
    with pytest.raises(ParamError):
        parse_uuid("id", "a" * 100)
