from __future__ import annotations

import pytest

from sportify_common.vocabulary import DUE_EMAIL_STATUSES, sql_literals


def test_constants_become_quoted_sql_literals() -> None:
    assert sql_literals(DUE_EMAIL_STATUSES) == "'pending', 'retrying'"
    assert sql_literals(["weekly-summary"]) == "'weekly-summary'"


@pytest.mark.parametrize("value", ["", "x'; drop table users; --", "Pending", "a b", "1st"])
def test_anything_but_a_plain_slug_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain constant"):
        sql_literals([value])
