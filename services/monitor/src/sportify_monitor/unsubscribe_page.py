"""The unsubscribe pages for a person (SPEC 5, 12.6), in German (du) or English. Pure.

Small, self-contained HTML (inline CSS, no scripts, no external assets) that reads on a
phone: the question (this kind of summary, or all), the confirmation, and the page for a link
that is invalid or expired. Every value from outside is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sportify_common.vocabulary import EmailKind

DEFAULT_LOCALE = "de"
CHOICE_KIND = "kind"
CHOICE_ALL = "all"

# A strict policy for these pages: their own inline style, a form that posts back here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class Problem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    UNKNOWN_USER = "unknown-user"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Words:
    lang: str
    title: str
    ask_kind: Mapping[EmailKind, str]
    ask_all: str
    stop_kind: Mapping[EmailKind, str]
    stop_all: str
    nothing_yet: str
    done_title: str
    done_kind: Mapping[EmailKind, str]
    done_all: str
    problem_titles: Mapping[Problem, str]
    problem_texts: Mapping[Problem, str]


WORDS: Mapping[str, Words] = {
    "de": Words(
        lang="de",
        title="Sportify-E-Mails abbestellen",
        ask_kind={
            EmailKind.WEEKLY_SUMMARY: "Jede Woche bekommst du eine Zusammenfassung deiner "
            "Trainingswoche. Was möchtest du abbestellen?",
            EmailKind.MONTHLY_SUMMARY: "Jeden Monat bekommst du eine Zusammenfassung deines "
            "Trainingsmonats. Was möchtest du abbestellen?",
        },
        ask_all="Du bekommst von Sportify Zusammenfassungen deiner Trainings. "
        "Möchtest du sie abbestellen?",
        stop_kind={
            EmailKind.WEEKLY_SUMMARY: "Nur die Wochenzusammenfassung abbestellen",
            EmailKind.MONTHLY_SUMMARY: "Nur die Monatszusammenfassung abbestellen",
        },
        stop_all="Alle Zusammenfassungen abbestellen",
        nothing_yet="Solange du nichts auswählst, bleibt alles, wie es ist.",
        done_title="Erledigt",
        done_kind={
            EmailKind.WEEKLY_SUMMARY: "Du bekommst keine Wochenzusammenfassungen mehr.",
            EmailKind.MONTHLY_SUMMARY: "Du bekommst keine Monatszusammenfassungen mehr.",
        },
        done_all="Du bekommst keine Zusammenfassungen mehr von Sportify.",
        problem_titles={
            Problem.INVALID: "Dieser Link funktioniert nicht",
            Problem.EXPIRED: "Dieser Link ist abgelaufen",
            Problem.UNKNOWN_USER: "Dieses Konto gibt es nicht mehr",
            Problem.UNAVAILABLE: "Gerade nicht möglich",
        },
        problem_texts={
            Problem.INVALID: "Vielleicht wurde er beim Kopieren abgeschnitten. Nimm am besten "
            "den Abmeldelink aus deiner neuesten Sportify-E-Mail.",
            Problem.EXPIRED: "Abmeldelinks gelten aus Sicherheitsgründen nur eine Weile. Nimm "
            "den Link aus deiner neuesten Sportify-E-Mail.",
            Problem.UNKNOWN_USER: "Zu diesem Link gehört kein Konto mehr, deshalb bekommst du "
            "auch keine Zusammenfassungen mehr.",
            Problem.UNAVAILABLE: "Abmelden geht im Moment leider nicht. Bitte versuch es "
            "später noch einmal.",
        },
    ),
    "en": Words(
        lang="en",
        title="Unsubscribe from Sportify emails",
        ask_kind={
            EmailKind.WEEKLY_SUMMARY: "Every week you get a summary of your training week. "
            "What would you like to stop?",
            EmailKind.MONTHLY_SUMMARY: "Every month you get a summary of your training month. "
            "What would you like to stop?",
        },
        ask_all="Sportify sends you summaries of your workouts. Would you like to stop them?",
        stop_kind={
            EmailKind.WEEKLY_SUMMARY: "Stop the weekly summary only",
            EmailKind.MONTHLY_SUMMARY: "Stop the monthly summary only",
        },
        stop_all="Stop all summaries",
        nothing_yet="Nothing changes until you choose.",
        done_title="Done",
        done_kind={
            EmailKind.WEEKLY_SUMMARY: "You won't get weekly summaries any more.",
            EmailKind.MONTHLY_SUMMARY: "You won't get monthly summaries any more.",
        },
        done_all="You won't get any more summaries from Sportify.",
        problem_titles={
            Problem.INVALID: "This link doesn't work",
            Problem.EXPIRED: "This link has expired",
            Problem.UNKNOWN_USER: "This account no longer exists",
            Problem.UNAVAILABLE: "Not possible right now",
        },
        problem_texts={
            Problem.INVALID: "It may have been cut off when it was copied. Please use the "
            "unsubscribe link in your latest Sportify email.",
            Problem.EXPIRED: "For your security, unsubscribe links only work for a while. "
            "Please use the link in your latest Sportify email.",
            Problem.UNKNOWN_USER: "No account belongs to this link any more, so you won't get "
            "any summaries either.",
            Problem.UNAVAILABLE: "Unsubscribing isn't possible at the moment. Please try again "
            "later.",
        },
    ),
}

_STYLE = (
    "body{margin:0;padding:24px 16px;background:#f4f5f7;color:#1d2433;"
    "font:16px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}"
    "main{max-width:32rem;margin:0 auto;background:#fff;border-radius:12px;padding:24px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12);overflow-wrap:break-word}"
    "h1{font-size:1.375rem;line-height:1.3;margin:0 0 12px}"
    "p{margin:0 0 16px}.brand{font-weight:700;color:#e4572e;letter-spacing:.02em}"
    "form{margin:0 0 12px}button{display:block;width:100%;min-height:48px;padding:12px 16px;"
    "border-radius:8px;border:2px solid #e4572e;font:inherit;font-weight:600;cursor:pointer}"
    ".primary{background:#e4572e;color:#fff}.secondary{background:#fff;color:#b23a17}"
    ".note{color:#5b6475;font-size:.9375rem}"
    "@media (prefers-color-scheme:dark){body{background:#12151c;color:#e8eaf0}"
    "main{background:#1d2230;box-shadow:none}.note{color:#a9b0c0}"
    ".secondary{background:#1d2230;color:#ff9a76}}"
)


def locale_for(locale: str | None) -> str:
    return locale if locale is not None and locale in WORDS else DEFAULT_LOCALE


def locale_from_accept_language(header: str | None) -> str:
    """The first of de/en the browser asks for (ignoring weights: browsers list by preference)."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in WORDS:
            return primary
    return "en" if header else DEFAULT_LOCALE


def _page(words: Words, title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{words.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)} · Sportify</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="brand">Sportify</p><h1>{html.escape(title)}</h1>{body}'
        "</main></body></html>\n"
    )


def _button(action: str, choice: str, label: str, css: str) -> str:
    return (
        f'<form method="post" action="{html.escape(action)}">'
        f'<input type="hidden" name="choice" value="{choice}">'
        f'<button type="submit" class="{css}">{html.escape(label)}</button></form>'
    )


def question_page(locale: str, *, kind: EmailKind | None, token: str) -> str:
    """Asks what to stop; changes nothing. The buttons POST back with the token."""
    words = WORDS[locale_for(locale)]
    # Relative to /api/unsubscribe, so it holds behind a path prefix too.
    action = f"unsubscribe?token={token}"
    if kind is None:
        body = f"<p>{html.escape(words.ask_all)}</p>" + _button(
            action, CHOICE_ALL, words.stop_all, "primary"
        )
    else:
        body = (
            f"<p>{html.escape(words.ask_kind[kind])}</p>"
            + _button(action, CHOICE_KIND, words.stop_kind[kind], "primary")
            + _button(action, CHOICE_ALL, words.stop_all, "secondary")
        )
    body += f'<p class="note">{html.escape(words.nothing_yet)}</p>'
    return _page(words, words.title, body)


def confirmation_page(locale: str, *, kind: EmailKind | None) -> str:
    """What was stopped: `kind`, or every summary when None."""
    words = WORDS[locale_for(locale)]
    text = words.done_all if kind is None else words.done_kind[kind]
    return _page(words, words.done_title, f"<p>{html.escape(text)}</p>")


def problem_page(locale: str, problem: Problem) -> str:
    words = WORDS[locale_for(locale)]
    return _page(
        words,
        words.problem_titles[problem],
        f"<p>{html.escape(words.problem_texts[problem])}</p>",
    )


def done_message(kind: EmailKind | None) -> str:
    """The JSON answer's sentence (English, for a mail client or a script)."""
    return WORDS["en"].done_all if kind is None else WORDS["en"].done_kind[kind]
