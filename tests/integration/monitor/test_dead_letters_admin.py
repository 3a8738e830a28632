"""Dead letters for operators (SPEC 12.5): list, peek without removing, purge, 404 for queues
outside the namespace, audit rows; against the real RabbitMQ (poison jobs.cleanup messages)."""

from __future__ import annotations

import asyncio
import json

import aio_pika
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from sportify_common.topology import CONSUMERS
from tests.integration.monitor.conftest import ADMIN, topology_of

pytestmark = pytest.mark.integration

POISON = (b"{not json", b'{"jobRunId": "nope"}', '{"note": "caf\u00e9"'.encode())


async def dead_letter_poison(settings: Settings, bodies: tuple[bytes, ...] = POISON) -> str:
    """Publish malformed jobs.cleanup commands; the monitor dead-letters them. Returns the DLQ."""
    topology = topology_of(settings)
    dlq = topology.dead_letter_queue("monitor", RoutingKey.JOBS_CLEANUP).name
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(topology.exchange.name)
        for body in bodies:
            await exchange.publish(
                aio_pika.Message(body, message_id=f"poison-{len(body)}"),
                routing_key=RoutingKey.JOBS_CLEANUP.value,
            )
        for _ in range(150):
            queue = await channel.declare_queue(dlq, passive=True)
            if queue.declaration_result.message_count == len(bodies):
                return dlq
            await asyncio.sleep(0.1)
        raise AssertionError("the poison messages were not dead-lettered")
    finally:
        await connection.close()


async def depth_of(client: httpx.AsyncClient, queue: str) -> int:
    response = await client.get("/api/admin/dead-letters", headers=ADMIN)
    assert response.status_code == 200, response.text
    depths: dict[str, int] = {q["queue"]: q["depth"] for q in response.json()["queues"]}
    return depths[queue]


async def audit_entries(engine: AsyncEngine, action: str) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("select actor, action, target, reason, details from audit_log where action = :a"),
            {"a": action},
        )
        return [dict(row) for row in rows.mappings()]


async def test_the_list_names_every_dead_letter_queue_of_the_namespace_with_its_depth(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    dlq = await dead_letter_poison(settings)

    response = await client.get("/api/admin/dead-letters", headers=ADMIN)

    assert response.status_code == 200
    topology = topology_of(settings)
    expected = {topology.dead_letter_queue(s, k).name: 0 for s, k in CONSUMERS} | {dlq: 3}
    assert {q["queue"]: q["depth"] for q in response.json()["queues"]} == expected


async def test_peek_shows_the_first_messages_and_leaves_depth_and_order_unchanged(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    dlq = await dead_letter_poison(settings)

    peeks = [
        await client.get(f"/api/admin/dead-letters/{dlq}", params={"limit": 2}, headers=ADMIN)
        for _ in range(3)
    ]
    everything = await client.get(f"/api/admin/dead-letters/{dlq}", headers=ADMIN)

    assert all(p.status_code == 200 for p in peeks), peeks[0].text
    first = peeks[0].json()
    assert first["queue"] == dlq
    assert first["depth"] == 3
    assert [m["body"] for m in first["messages"]] == ["{not json", '{"jobRunId": "nope"}']
    assert [p.json()["messages"] for p in peeks[1:]] == [first["messages"]] * 2
    message = first["messages"][0]
    assert message["routingKey"] == RoutingKey.JOBS_CLEANUP.value
    assert message["reason"] == "rejected"
    assert message["count"] == 1
    assert message["firstDeathAt"].endswith("Z")
    assert message["bodyTruncated"] is False
    assert [m["body"] for m in everything.json()["messages"]][2] == '{"note": "caf\u00e9"'
    assert await depth_of(client, dlq) == 3


async def test_purge_empties_the_queue_and_writes_an_audit_row(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    dlq = await dead_letter_poison(settings)

    response = await client.post(
        f"/api/admin/dead-letters/{dlq}/purge",
        json={"reason": "known bad payloads"},
        headers={**ADMIN, "X-Sportify-Actor": "ops:grace"},
    )
    again = await client.post(f"/api/admin/dead-letters/{dlq}/purge", headers=ADMIN)

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "queue": dlq, "purged": 3}
    assert again.json()["purged"] == 0
    assert await depth_of(client, dlq) == 0
    assert await audit_entries(engine, "dead-letters.purge") == [
        {
            "actor": "ops:grace",
            "action": "dead-letters.purge",
            "target": dlq,
            "reason": "known bad payloads",
            "details": {"purged": 3},
        }
    ]


@pytest.mark.parametrize(
    "name",
    [
        "test-other.monitor.jobs.cleanup.dlq",  # another namespace's DLQ
        "{ns}.monitor.jobs.cleanup",  # this namespace's work queue, not a DLQ
        "amq.rabbitmq.trace",
        "{ns}.nothing.dlq",
    ],
)
async def test_a_queue_outside_the_namespace_dlqs_is_404_for_every_operation(
    client: httpx.AsyncClient, settings: Settings, name: str
) -> None:
    queue = name.format(ns=settings.amqp_namespace)

    answers = [
        await client.get(f"/api/admin/dead-letters/{queue}", headers=ADMIN),
        await client.post(f"/api/admin/dead-letters/{queue}/replay", headers=ADMIN),
        await client.post(f"/api/admin/dead-letters/{queue}/purge", headers=ADMIN),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(a.json()["error"] == "not-found" for a in answers)


async def test_replay_of_an_undecodable_body_goes_back_and_is_dead_lettered_again(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    dlq = await dead_letter_poison(settings, (b"{not json",))

    response = await client.post(
        f"/api/admin/dead-letters/{dlq}/replay", json={"limit": 5}, headers=ADMIN
    )

    assert response.status_code == 200, response.text
    assert response.json()["replayed"] == 1
    for _ in range(100):  # the consumer refuses it again: back in the DLQ, count 2
        peek = (await client.get(f"/api/admin/dead-letters/{dlq}", headers=ADMIN)).json()
        if peek["messages"]:
            break
        await asyncio.sleep(0.1)
    assert peek["messages"][0]["body"] == "{not json"
    entries = await audit_entries(engine, "dead-letters.replay")
    assert [(e["target"], e["details"]) for e in entries] == [(dlq, {"limit": 5, "replayed": 1})]


async def test_bodies_larger_than_64_kib_are_cut(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    big = json.dumps({"pad": "x" * 70_000}).encode()
    dlq = await dead_letter_poison(settings, (big,))

    message = (await client.get(f"/api/admin/dead-letters/{dlq}", headers=ADMIN)).json()[
        "messages"
    ][0]

    assert len(message["body"].encode()) == 64 * 1024
    assert message["bodyTruncated"] is True


async def test_bad_limits_are_400(client: httpx.AsyncClient, settings: Settings) -> None:
    dlq = topology_of(settings).dead_letter_queue("monitor", RoutingKey.JOBS_CLEANUP).name

    answers = [
        await client.get(f"/api/admin/dead-letters/{dlq}", params={"limit": 0}, headers=ADMIN),
        await client.post(
            f"/api/admin/dead-letters/{dlq}/replay", json={"limit": 0}, headers=ADMIN
        ),
        await client.post(f"/api/admin/dead-letters/{dlq}/replay", json={"limt": 3}, headers=ADMIN),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400]


async def test_a_replay_to_a_routing_key_nobody_is_bound_to_is_409_and_keeps_the_message(
    client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    dlq = await dead_letter_poison(settings, (b"{not json", b"{still not json"))
    topology = topology_of(settings)
    consumer = topology.queue_name("monitor", RoutingKey.JOBS_CLEANUP)
    connection = await aio_pika.connect(settings.amqp_url)
    try:  # nobody is bound to jobs.cleanup any more: a copy would be returned
        channel = await connection.channel()
        queue = await channel.declare_queue(consumer, passive=True)
        await queue.unbind(topology.exchange.name, RoutingKey.JOBS_CLEANUP.value)
    finally:
        await connection.close()

    response = await client.post(
        f"/api/admin/dead-letters/{dlq}/replay",
        json={"limit": 5, "reason": "after the fix"},
        headers=ADMIN,
    )

    assert response.status_code == 409, response.text
    assert response.json()["error"] == "unroutable"
    assert "jobs.cleanup" in response.json()["message"]
    assert await depth_of(client, dlq) == 2, "the returned message was not put back"
    # Nothing changed, so nothing is audited (a replay stopped after some copies is).
    assert await audit_entries(engine, "dead-letters.replay") == []
