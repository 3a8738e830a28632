"""Hostile values on the mail operations' routes: NUL bytes, odd letters, forged cursors → 400
(or a sound answer), never a 500."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.integration.monitor.conftest import ADMIN

NUL = "\x00"


def _forged_cursor(key: str) -> str:
    raw = f"2026-03-02T08:00:00+00:00|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        pytest.param("GET", "/api/admin/emails", {"recipient": "a" + NUL}, None, id="recipient"),
        pytest.param("GET", "/api/admin/emails", {"createdFrom": NUL}, None, id="createdFrom"),
        pytest.param("GET", "/api/admin/audit", {"action": NUL}, None, id="action"),
        pytest.param("GET", "/api/admin/suppressions", {"address": NUL}, None, id="address"),
        pytest.param(
            "GET", "/api/admin/suppressions", {"cursor": _forged_cursor(NUL)}, None, id="cursor"
        ),
        pytest.param(
            "POST", "/api/admin/emails/requeue", {"reason": NUL}, {"filter": {}}, id="query-reason"
        ),
        pytest.param(
            "POST", "/api/admin/emails/requeue", None, {"filter": {}, "reason": NUL}, id="reason"
        ),
        pytest.param(
            "POST", "/api/admin/emails/requeue", None, {"filter": {"recipient": NUL}}, id="filter"
        ),
        pytest.param(
            "POST",
            "/api/admin/suppressions",
            None,
            {"address": "a@b" + NUL, "reason": "r"},
            id="suppress-address",
        ),
        pytest.param(
            "POST",
            "/api/admin/suppressions",
            None,
            {"address": "a@b.test", "reason": NUL},
            id="suppress-reason",
        ),
        pytest.param("DELETE", "/api/admin/suppressions/a%00@b.test", None, None, id="remove"),
    ],
)
async def test_nul_bytes_are_bad_input(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    params: dict[str, str] | None,
    body: dict[str, object] | None,
) -> None:
    response = await client.request(method, path, params=params, json=body, headers=ADMIN)

    assert response.status_code == 400, response.text
    assert response.json()["status"] == "error"


@pytest.mark.parametrize("address", ["İSTANBUL@example.test", "STRASSE@ÖL.test", "ǅ@x.test"])
async def test_any_letters_are_lower_cased_into_one_key(
    client: httpx.AsyncClient, address: str
) -> None:
    added = await client.post(
        "/api/admin/suppressions", json={"address": address, "reason": "r"}, headers=ADMIN
    )
    key = added.json()["suppression"]["address"]
    found = await client.get("/api/admin/suppressions", params={"address": address}, headers=ADMIN)
    removed = await client.delete(f"/api/admin/suppressions/{address}", headers=ADMIN)

    assert added.status_code == 200, added.text
    assert [s["address"] for s in found.json()["suppressions"]] == [key]
    assert removed.status_code == 200, removed.text
