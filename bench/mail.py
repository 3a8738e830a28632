"""Throughput of the mailer's sending path: `uv run --frozen python bench/mail.py [--emails N]`.

Creates a throwaway database (server from DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/
postgres), migrates it, queues N pending emails, starts an aiosmtpd sink in a separate process
(so it does not compete with the sender for the event loop), drains with the real delivery code
(`Delivery.drain` over the `SmtpPool`) and prints emails/second. With --store it also measures
storing N `email.requested` bodies the way `intake.RequestedEmailConsumer` does (batches of
500, one multi-row insert and commit each; the AMQP side is measured by bench/weekly.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sportify_common.clock import utc_now
from sportify_common.db.migrate import upgrade_to_head
from sportify_common.messages import EmailKind, EmailRequested
from sportify_common.settings import load_settings
from sportify_mailer import queries
from sportify_mailer.app import delivery_config
from sportify_mailer.delivery import Delivery, DeliveryConfig
from sportify_mailer.intake import RequestedEmailConsumer
from sportify_mailer.smtp import SmtpPool


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_sink(port: int, ready: Any, counter: Any) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _plain(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


async def _queue_rows(url: str, count: int) -> None:
    engine = create_async_engine(url)
    chunk = 5000
    async with engine.begin() as conn:
        for start in range(0, count, chunk):
            rows = [
                {
                    "id": uuid4(),
                    "key": f"bench:{start + i}",
                    "recipient": f"user{start + i}@example.test",
                    "kind": EmailKind.WEEKLY_SUMMARY.value,
                    "headers": json.dumps(
                        {
                            "List-Unsubscribe": "<http://localhost:8000/api/unsubscribe?token=x>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        }
                    ),
                }
                for i in range(min(chunk, count - start))
            ]
            await conn.execute(
                text(
                    "insert into email_queue (id, idempotency_key, recipient, kind, subject,"
                    " body_text, body_html, headers, next_attempt_at)"
                    " values (:id, :key, :recipient, :kind, 'Deine Woche bei Sportify',"
                    " 'Hallo! Du hast diese Woche 420 Punkte gesammelt.',"
                    " '<p>Hallo! Du hast diese Woche <b>420</b> Punkte gesammelt.</p>',"
                    " cast(:headers as jsonb), now() - interval '1 second')"
                ),
                rows,
            )
    await engine.dispose()


async def _bench_store(url: str, count: int) -> float:
    engine = create_async_engine(url, pool_size=4)
    messages = [
        EmailRequested(
            idempotency_key=f"store:{i}:{uuid4()}",
            kind=EmailKind.WEEKLY_SUMMARY,
            recipient=f"user{i}@example.test",
            subject="Deine Woche",
            body_text="Hallo",
            body_html="<p>Hallo</p>",
            headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        for i in range(count)
    ]
    bodies = [m.model_dump_json(by_alias=True).encode() for m in messages]
    batch = RequestedEmailConsumer(engine).max_batch
    started = time.perf_counter()
    for begin in range(0, count, batch):
        parsed = [EmailRequested.model_validate_json(b) for b in bodies[begin : begin + batch]]
        async with engine.begin() as conn:
            await queries.insert_requested(conn, parsed, now=utc_now())
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def main(args: argparse.Namespace) -> None:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"sportify_bench_{uuid4().hex[:10]}"
    admin = await asyncpg.connect(_with_database(_plain(server), "postgres"))
    await admin.execute(f'create database "{name}"')
    url = _with_database(_plain(server), name).replace("postgresql://", "postgresql+asyncpg://", 1)
    port = _free_port()
    ctx = multiprocessing.get_context("spawn")
    ready, counter = ctx.Event(), ctx.Value("l", 0)
    sink = ctx.Process(target=_run_sink, args=(port, ready, counter), daemon=True)
    sink.start()
    try:
        await upgrade_to_head(url)
        ready.wait(15)
        settings = load_settings(
            database_url=url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_tls="none",
            smtp_connections=args.connections,
        )
        if args.store:
            elapsed = await _bench_store(url, args.emails)
            print(
                f"stored {args.emails} requested emails in {elapsed:.2f} s "
                f"= {args.emails / elapsed:.0f} emails/s (micro-batched inserts)"
            )
            engine = create_async_engine(url)
            async with engine.begin() as conn:
                await conn.execute(text("delete from email_queue"))
            await engine.dispose()

        await _queue_rows(url, args.emails)
        engine = create_async_engine(url, pool_size=args.lanes + 2)
        pool = SmtpPool(settings)
        base = delivery_config(settings)
        config = DeliveryConfig(
            sender_address=base.sender_address,
            policy=base.policy,
            batch_size=args.batch,
            concurrency=args.lanes,
        )
        delivery = Delivery(engine, pool, config)
        started = time.perf_counter()
        stats = await delivery.drain(args.emails)
        elapsed = time.perf_counter() - started
        await pool.close()
        await engine.dispose()
        print(
            f"sent {stats.sent}/{args.emails} emails (sink received {counter.value}) in "
            f"{elapsed:.2f} s = {stats.sent / elapsed:.0f} emails/s "
            f"[smtp connections {args.connections}, batch {args.batch}, lanes {args.lanes}]"
        )
    finally:
        sink.terminate()
        sink.join(5)
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--store", action="store_true", help="also measure storing")
    asyncio.run(main(parser.parse_args()))
