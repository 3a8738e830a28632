"""Unsubscribing (SPEC 5, 12.6): read a token, look its user up, stop a kind or everything.

The GET page only reads (`look_up`); only a POST changes anything (`stop`): one-click from
the mail client stops the token's kind, the page's "all" choice turns the user's
notifications off (`users.email_notifications_enabled`, as before kinds existed). A token of
the first form names no kind: it stops everything, as it always did.
"""

from __future__ import annotations

from sportify_common.email_preferences import SummaryChoices, opt_out, summary_choices
from sportify_common.tokens import (
    TokenError,
    TokenExpiredError,
    UnsubscribeClaim,
    verify_unsubscribe,
)
from sportify_common.vocabulary import EmailKind
from sportify_monitor import queries
from sportify_monitor.context import Monitor
from sportify_monitor.unsubscribe_page import Problem


class UnsubscribeError(Exception):
    """Why a token cannot unsubscribe: a page for a person, a status and code for the JSON."""

    def __init__(self, problem: Problem, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.status_code = status_code
        self.code = code
        self.message = message


def claim_of(monitor: Monitor, token: str | None) -> UnsubscribeClaim:
    secret = monitor.settings.token_secret
    if secret is None:
        raise UnsubscribeError(
            Problem.UNAVAILABLE,
            503,
            "not-configured",
            "No unsubscribe secret is configured (UNSUBSCRIBE_SECRET or the cron secret).",
        )
    try:
        return verify_unsubscribe(token or "", secret.get_secret_value(), now=monitor.clock())
    except TokenExpiredError as exc:
        raise UnsubscribeError(
            Problem.EXPIRED, 400, "invalid-token", f"The unsubscribe link is not valid: {exc}."
        ) from exc
    except TokenError as exc:
        raise UnsubscribeError(
            Problem.INVALID, 400, "invalid-token", f"The unsubscribe link is not valid: {exc}."
        ) from exc


def _unknown_user() -> UnsubscribeError:
    return UnsubscribeError(
        Problem.UNKNOWN_USER, 404, "not-found", "The user of this unsubscribe link does not exist."
    )


async def look_up(monitor: Monitor, claim: UnsubscribeClaim) -> SummaryChoices:
    """The token's user (for the page's language); changes nothing."""
    async with monitor.engine.connect() as conn:
        choices = await summary_choices(conn, claim.user_id)
    if choices is None:
        raise _unknown_user()
    return choices


async def stop(monitor: Monitor, claim: UnsubscribeClaim, *, everything: bool) -> SummaryChoices:
    """Stop the token's kind, or every summary when `everything` or the token names no kind.
    Idempotent. Returns the user as they were before (for the page's language)."""
    kind: EmailKind | None = None if everything else claim.kind
    async with monitor.engine.begin() as conn:
        choices = await summary_choices(conn, claim.user_id)
        if choices is None:
            raise _unknown_user()
        if kind is None:
            await queries.disable_notifications(conn, claim.user_id)
        else:
            await opt_out(conn, claim.user_id, kind=kind, now=monitor.clock())
    return choices
