from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from sportify_monitor.params import ParamError, parse_actor, parse_flag, parse_instant, parse_uuid


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


def test_an_instant_without_an_offset_is_utc_and_a_date_is_its_midnight() -> None:
    assert parse_instant("createdFrom", "2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_instant("createdFrom", "2026-03-01T10:00:00+02:00") == datetime(
        2026, 3, 1, 10, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_instant("createdFrom", "2026-03-01T10:00:00Z") == datetime(
        2026, 3, 1, 10, tzinfo=UTC
    )
    assert parse_instant("createdFrom", None) is None


def test_an_actor_is_printable_bounded_text_with_a_default() -> None:
    assert parse_actor(None, default="admin-token", max_length=200) == "admin-token"
    assert parse_actor("  ", default="admin-token", max_length=200) == "admin-token"
    assert parse_actor(" alice ", default="admin-token", max_length=200) == "alice"
    for bad in ("a" * 201, "bell\x07"):
        with pytest.raises(ParamError):
            parse_actor(bad, default="admin-token", max_length=200)
