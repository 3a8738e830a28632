"""Jinja2 templates of the summary emails: autoescape for HTML, StrictUndefined everywhere."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

_DIRECTORY = Path(__file__).parent


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_DIRECTORY),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the package; no stat() per render
    )


@cache
def template(name: str) -> Template:
    return environment().get_template(name)


def render(name: str, context: dict[str, Any]) -> str:
    return template(name).render(context)
