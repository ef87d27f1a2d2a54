"""User-facing text in Indonesian and English (gettext, class-based API).

Messages are written in English in the code and translated through the
``mentorkit`` gettext catalog shipped in ``mentorkit/i18n/locales``. Nothing
is installed globally: ask for a :class:`Translator` for a language and call
its methods::

    >>> from mentorkit.i18n import translator
    >>> translator("id").gettext("Businesses")
    'Usaha'
    >>> translator("en").gettext("Businesses")
    'Businesses'

Labels declared by plugins carry both languages already
(:class:`mentorkit.Label`); :meth:`Translator.label` picks one.
"""

import functools
import gettext
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily: the CLI start-up reads this module
    from .._model import Label

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "Translator", "translator"]

#: The gettext domain of mentorkit's catalogs.
DOMAIN = "mentorkit"
#: Languages mentorkit speaks: Indonesian and English.
LANGUAGES = ("id", "en")
#: Where the compiled catalogs live (``<lang>/LC_MESSAGES/mentorkit.mo``).
LOCALE_DIR = Path(__file__).parent / "locales"


class Translator:
    """Translations for one language (``"id"`` or ``"en"``).

    Wraps a :class:`gettext.NullTranslations` object from
    :func:`gettext.translation` with ``fallback=True``: a missing catalog or
    message falls back to the English text, never to an error.
    """

    __slots__ = ("_translations", "lang")

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self._translations = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True
        )

    def gettext(self, message: str) -> str:
        """``message`` (English) in this translator's language."""
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The singular or plural form for ``count``, in this translator's language."""
        return self._translations.ngettext(singular, plural, count)

    def label(self, label: "Label | None", default: str = "") -> str:
        """The text of a declared :class:`~mentorkit.Label` in this language."""
        return default if label is None else label.get(self.lang)

    def number(self, value: float, digits: int = 0) -> str:
        """``value`` with thousands grouped as the language writes them.

        Indonesian groups with ``.`` and uses ``,`` for decimals
        (``1.234,5``); English the other way round (``1,234.5``).
        """
        text = f"{value:,.{digits}f}"
        if self.lang == "id":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text


@functools.lru_cache(maxsize=len(LANGUAGES))
def translator(lang: str = "id") -> Translator:
    """The (cached, immutable) :class:`Translator` for ``lang``."""
    return Translator(lang)
