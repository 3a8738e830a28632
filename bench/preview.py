"""Preview latency (SPEC 12.3) on a kept benchmark database: a weekly preview "well under a
second", a monthly one "within the time of one bare aggregation of the month".

Calls the aggregator's preview (the code the `preview.requested` subscriber runs, without the
broker round trip) for random processed users of the latest closed week or month, and prints
p50 / max beside the target, with the bare aggregation measured on the same database.

    uv run --frozen python bench/preview.py --reuse postgresql://…/<kept db> weekly|monthly [--users N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import asyncpg
from prometheus_client import CollectorRegistry

from bench.evaluation_bench import BARE_AGGREGATION
from bench.support import report, timed_sql
from sportify_aggregator import preview
from sportify_common.clock import utc_now
from sportify_common.messages import PreviewRequested
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.service_context import build_context
from sportify_common.settings import AggregatorSettings, load_settings_for
from sportify_common.vocabulary import EVALUATED_PERIODS


async def run(url: str, kind: PeriodKind, samples: int) -> None:
    settings = load_settings_for(AggregatorSettings, database_url=url)
    period = latest_closed(kind, utc_now(), settings.zone)
    conn = await asyncpg.connect(url)
    try:
        users = [
            r["id"]
            for r in await conn.fetch(
                "select id from users where deleted_at is null and created_at < $1 "
                "order by random() limit $2",
                period.end,
                samples,
            )
        ]
        count = await conn.fetchval("select count(*) from users")
    finally:
        await conn.close()
    bare = await timed_sql(url, BARE_AGGREGATION, period.start, period.end)
    runtime = build_context(
        settings,
        service="bench",
        registry=CollectorRegistry(),
        clock=utc_now,
        pool_size=2,
        max_overflow=0,
        prefetch_count=1,
    )
    engine = preview.preview_engine(settings)
    seconds: list[float] = []
    try:
        for user in users:
            request = PreviewRequested(
                job_name=EVALUATED_PERIODS[kind].job,
                user_id=user,
                period_start=period.start,
                period_end=period.end,
            )
            began = time.perf_counter()
            answer = await preview.preview(runtime, engine, request)
            seconds.append(time.perf_counter() - began)
            assert answer.status == "ok", answer.message
    finally:
        await engine.dispose()
        await runtime.engine.dispose()
    p50, worst = statistics.median(seconds), max(seconds)
    target = "well under 1 s" if kind is PeriodKind.WEEKLY else f"<= bare {bare:.2f} s"
    report(
        f"{kind.value} preview, {count} users, {period.label}, {len(seconds)} users previewed",
        [
            ("bare SQL aggregation", f"{bare:.2f} s", "baseline"),
            ("preview p50", f"{p50 * 1000:.0f} ms", target),
            ("preview max", f"{worst * 1000:.0f} ms", target),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="preview latency on a kept database")
    parser.add_argument("--reuse", required=True, metavar="DATABASE_URL")
    parser.add_argument("kind", choices=[k.value for k in PeriodKind])
    parser.add_argument("--users", type=int, default=20, help="how many users to preview")
    args = parser.parse_args()
    asyncio.run(run(args.reuse, PeriodKind(args.kind), args.users))


if __name__ == "__main__":
    main()
