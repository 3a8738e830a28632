from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from sportify_common.email_filter import EmailFilter
from sportify_common.paging import Cursor, CursorError, Page
from sportify_common.vocabulary import EmailStatus

instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; the zone is UTC
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
keys = st.text(min_size=1, max_size=80).filter(lambda k: k.isprintable())


@given(at=instants, key=keys)
def test_a_cursor_decodes_to_the_instant_and_key_it_was_made_of(at: datetime, key: str) -> None:
    cursor = Cursor(at, key)

    decoded = Cursor.decode(cursor.encode())

    assert decoded == cursor
    assert decoded.at.microsecond == at.microsecond


@pytest.mark.parametrize(
    "text",
    ["", "not base64!", "x" * 401, "bm8tc2VwYXJhdG9y", "MjAyNi0wMy0wMnw=", "w6k", "é"],
)
def test_anything_else_is_refused_as_a_cursor(text: str) -> None:
    with pytest.raises(CursorError):
        Cursor.decode(text)


def test_a_page_has_a_next_cursor_only_when_a_row_was_left_over() -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    rows = [(at - timedelta(seconds=i), str(i)) for i in range(3)]

    full = Page.of(rows, 2, lambda row: Cursor(*row))
    last = Page.of(rows, 3, lambda row: Cursor(*row))

    assert (full.rows, full.next) == (rows[:2], Cursor(*rows[1]))
    assert (last.rows, last.next) == (rows, None)


def test_the_filter_lower_cases_the_recipient_and_spells_itself_as_the_api_does() -> None:
    where = EmailFilter(
        status=EmailStatus.FAILED,
        recipient=" Ops@Example.TEST ",
        created_from=datetime(2026, 3, 1, tzinfo=timezone(timedelta(hours=1))),
    )

    assert where.params()["f_recipient"] == "ops@example.test"
    assert where.params()["f_kind"] is None
    assert where.wire() == {
        "status": "failed",
        "recipient": " Ops@Example.TEST ",
        "createdFrom": "2026-03-01T00:00:00+01:00",
    }
