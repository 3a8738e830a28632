"""Time each SQL statement of an evaluation's results phase on an existing (seeded) database.

`uv run --frozen python bench/results_profile.py --database-url URL weekly|monthly LABEL [--commit]`
Runs the results phase in one transaction (rolled back unless --commit) and prints every statement
slower than 10 ms, plus the bare SQL aggregation for comparison (same cache state: run right after).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text

from bench.evaluation_bench import BARE_AGGREGATION_NAMED, results_phase_of
from sportify_aggregator import evaluation
from sportify_common.clock import utc_now
from sportify_common.db.engine import create_engine
from sportify_common.settings import load_settings


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("kind", choices=["weekly", "monthly"])
    parser.add_argument("label")
    parser.add_argument("--commit", action="store_true")
    parser.add_argument("--temp-buffers", help="temp_buffers for the session, e.g. 256MB")
    parser.add_argument(
        "--explain",
        metavar="TEXT",
        help="run statements containing TEXT under EXPLAIN ANALYZE and print their plans",
    )
    args = parser.parse_args()
    settings = load_settings(database_url=args.database_url)
    period, evaluator = results_phase_of(args.kind, args.label, settings)
    engine = create_engine(settings)
    timings: list[tuple[float, str]] = []

    def before(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        conn.info["began"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        timings.append(
            (time.perf_counter() - conn.info["began"], " ".join(statement.split())[:110])
        )

    plans: list[Any] = []

    def explain(
        conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any
    ) -> tuple[str, Any]:
        if args.explain and args.explain in statement and not statement.startswith("explain"):
            plans.append(statement)
            return "explain (analyze, buffers) " + statement, parameters
        return statement, parameters

    event.listen(engine.sync_engine, "before_cursor_execute", explain, retval=True)
    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)

    def print_plan(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.startswith("explain (analyze"):
            for row in cursor.fetchall():
                print("   ", row[0])

    if args.explain:
        event.listen(engine.sync_engine, "after_cursor_execute", print_plan)
    async with engine.connect() as conn:
        for _ in range(2):
            began = time.perf_counter()
            await conn.execute(
                text(BARE_AGGREGATION_NAMED),
                {"start": period.start, "end": period.end},
            )
            print(f"bare SQL {time.perf_counter() - began:.3f} s")
    timings.clear()
    began = time.perf_counter()
    async with engine.connect() as conn:
        if args.temp_buffers:
            await conn.execute(text(f"set temp_buffers = '{args.temp_buffers}'"))
            await conn.commit()
        trans = await conn.begin()
        processed = await evaluation.compute_results(
            conn, settings, evaluator, period, uuid4(), utc_now()
        )
        computed = time.perf_counter()
        if args.commit:
            await trans.commit()
        else:
            await trans.rollback()
    print(
        f"results phase {computed - began:.3f} s (+commit/rollback {time.perf_counter() - computed:.3f} s), {processed} users"
    )
    for seconds, sql in timings:
        if seconds > 0.01:
            print(f"  {seconds:7.3f}  {sql}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
