"""The languages people are written to in: the codes of `settings.LANGUAGES`, English the fallback.

Foundation module (imports no app). A request's language is stored on its submission (`Submission.language`)
and every message about it is rendered in it (docs/messages.md).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

DEFAULT_LANGUAGE = "en"


def language_codes() -> tuple[str, ...]:
    """Return the supported language codes, English first."""
    codes = [code for code, _ in settings.LANGUAGES]
    return (DEFAULT_LANGUAGE, *[code for code in codes if code != DEFAULT_LANGUAGE])


def language_choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs for forms and model fields, English first."""
    names = dict(settings.LANGUAGES)
    return [(code, str(names.get(code, code))) for code in language_codes()]


def language_normalize(value: object) -> str:
    """Return the supported language a code or tag names ("es-MX" → "es"), else English; never raises."""
    if not isinstance(value, str):
        return DEFAULT_LANGUAGE
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in language_codes() else DEFAULT_LANGUAGE


def language_active() -> str:
    """Return the supported language active now (LocaleMiddleware's choice for a request), else English."""
    return language_normalize(translation.get_language())


def language_name(code: str) -> str:
    """Return a language's name as settings.LANGUAGES spells it."""
    return str(dict(settings.LANGUAGES).get(code, code))
