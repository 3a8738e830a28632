"""Every word of the summary emails: one `Wording` per locale (`de`, `en`). Pure data.

The templates hold no words: they lay out what `render` builds from a `Wording`. A new
locale is one more module here, listed in `LOCALES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sportify_aggregator.wording import de, en
from sportify_aggregator.wording.shape import Wording

__all__ = ["DEFAULT_LOCALE", "LOCALES", "Wording"]

LOCALES: Final[Mapping[str, Wording]] = {"de": de.WORDING, "en": en.WORDING}
DEFAULT_LOCALE: Final = "de"
