"""Requesting the summary emails of a run (SPEC 4.3): stream, dedupe, render, publish.

Users arrive in chunks; per chunk one query finds keys already in `email_queue` and one the
addresses on the suppression list (`email_queue_reads`, both indexed), the rest are rendered
and published in bulk (`publish_many`: persistent, mandatory, confirmed). Memory stays
bounded by the chunk.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator import summaries
from sportify_aggregator.records import Summary
from sportify_common.broker import publish_many
from sportify_common.email_queue_reads import queued_idempotency_keys, suppressed_addresses
from sportify_common.emails.headers import list_unsubscribe_headers
from sportify_common.job_results import EmailResult, EmailSummary
from sportify_common.messages import EmailRequested, RoutingKey
from sportify_common.periods import Period
from sportify_common.settings import AggregatorSettings
from sportify_common.tokens import sign_unsubscribe
from sportify_common.topology import Topology
from sportify_common.vocabulary import ADDRESS_SUPPRESSED, EMAILS_DISABLED

logger = logging.getLogger(__name__)

UNSUBSCRIBE_TOKEN_LIFETIME = timedelta(days=60)


@dataclass
class EmailTally:
    """What happened to every processed user's summary; `results` is capped at `limit`."""

    limit: int
    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    results: list[dict[str, str]] = field(default_factory=list)

    def add(self, entry: dict[str, str]) -> None:
        if entry["status"] == "queued":
            self.queued += 1
        else:
            self.skipped[entry["reason"]] += 1
        if len(self.results) < self.limit:
            self.results.append(entry)

    def summary(self) -> EmailSummary:
        return EmailSummary(queued=self.queued, skipped=dict(sorted(self.skipped.items())))

    def email_results(self) -> list[EmailResult]:
        return [EmailResult.model_validate(entry) for entry in self.results]


async def emails_disabled(batches: AsyncIterator[list[Summary]], *, limit: int) -> EmailTally:
    """A run with `sendEmails: false` (SPEC 12.2): every user skipped, nothing published."""
    tally = EmailTally(limit=limit)
    async for batch in batches:
        for summary in batch:
            tally.add(summaries.Skipped(summary.recipient.user_id, EMAILS_DISABLED).entry())
    return tally


@dataclass(frozen=True, slots=True)
class SummaryRequester:
    """Requests a run's summary emails from the mailer (`email.requested`), one batch at a time."""

    engine: AsyncEngine
    broker: RabbitBroker
    topology: Topology
    settings: AggregatorSettings

    def links(self, summary: Summary, now: datetime) -> tuple[str | None, dict[str, str]]:
        """The summary's unsubscribe URL and List-Unsubscribe headers (none without a secret)."""
        secret = self.settings.token_secret
        if secret is None:
            return None, {}
        token = sign_unsubscribe(
            summary.recipient.user_id,
            secret.get_secret_value(),
            expires_at=now + UNSUBSCRIBE_TOKEN_LIFETIME,
        )
        url = f"{self.settings.base_url}/api/unsubscribe?token={token}"
        return url, list_unsubscribe_headers(url)

    async def request_all(
        self, period: Period, batches: AsyncIterator[list[Summary]], *, now: datetime
    ) -> EmailTally:
        tally = EmailTally(limit=self.settings.events_response_email_results_limit)
        if self.settings.token_secret is None:
            logger.warning(
                "no UNSUBSCRIBE_SECRET or cron secret: summaries go out without unsubscribe links"
            )
        in_flight: asyncio.Future[None] | None = None
        async for batch in batches:
            entries, emails = await self._prepare_batch(period, batch, now=now)
            # At most one batch is being published (and confirmed) while the next is prepared.
            if in_flight is not None:
                await in_flight
            in_flight = asyncio.ensure_future(
                publish_many(self.broker, self.topology, RoutingKey.EMAIL_REQUESTED, emails)
            )
            for entry in entries:
                tally.add(entry)
        if in_flight is not None:
            await in_flight
        return tally

    async def _prepare_batch(
        self, period: Period, batch: list[Summary], *, now: datetime
    ) -> tuple[list[dict[str, str]], list[EmailRequested]]:
        """Each user's emailResults entry, and the emails to publish (not already queued)."""
        keys = {
            s.recipient.user_id: summaries.idempotency_key(period, s.recipient.user_id)
            for s in batch
            if summaries.skip_reason(s.recipient) is None
        }
        addresses = {
            summaries.address_of(s.recipient) for s in batch if s.recipient.user_id in keys
        }
        async with self.engine.connect() as conn:
            existing = await queued_idempotency_keys(conn, list(keys.values()))
            suppressed = await suppressed_addresses(conn, addresses, now=now)
        entries: list[dict[str, str]] = []
        emails: list[EmailRequested] = []
        for summary in batch:
            user_id = summary.recipient.user_id
            if keys.get(user_id) in existing:
                entries.append(summaries.Skipped(user_id, summaries.SKIP_ALREADY_QUEUED).entry())
                continue
            if user_id in keys and summaries.address_of(summary.recipient) in suppressed:
                entries.append(summaries.Skipped(user_id, ADDRESS_SUPPRESSED).entry())
                continue
            url, headers = self.links(summary, now)
            outcome = summaries.summary_email(
                summary,
                period,
                base_url=self.settings.base_url,
                unsubscribe_url=url,
                headers=headers,
            )
            if isinstance(outcome, summaries.Skipped):
                entries.append(outcome.entry())
            else:
                emails.append(outcome)
                entries.append(summaries.queued_entry(user_id))
        return entries, emails
