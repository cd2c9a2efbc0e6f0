"""A pseudo-locale for tests: every string looked up for translation comes back wrapped in ⟦…⟧ with accented
letters, so anything left in plain English on a rendered page was never marked for translation.

`pseudo_locale(monkeypatch)` makes every language (whatever LocaleMiddleware activates) the pseudo one;
`untranslated_words(html, allowed=…)` returns the English words left outside the brackets.
"""

from __future__ import annotations

import gettext as gettext_module
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from django.utils.translation import trans_real

OPEN, CLOSE = "⟦", "⟧"
_ACCENTS = str.maketrans("aceinouyAEINOUY", "áçéîñöûýÁÉÎÑÖÛÝ")
# Kept exactly: printf and brace placeholders, HTML tags and entities (a translation must keep them too).
_KEEP = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)\.\df|%[sd]|\{[a-z_]*\}|<[^>]+>|&[a-z#0-9]+;")


def pseudo(message: str) -> str:
    """Return `message` bracketed, letters accented outside its placeholders and tags."""
    if "\x04" in message:  # pgettext's "context\x04message"
        message = message.split("\x04", 1)[1]
    out, last = [], 0
    for match in _KEEP.finditer(message):
        out.append(message[last:match.start()].translate(_ACCENTS))
        out.append(match.group(0))
        last = match.end()
    out.append(message[last:].translate(_ACCENTS))
    return f"{OPEN}{''.join(out)}{CLOSE}"


class PseudoTranslation(gettext_module.NullTranslations):
    """A translation catalogue that translates every message (Django's trans_real uses these methods)."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)

    def language(self) -> str:
        return "en"

    def to_language(self) -> str:
        return "en"


def pseudo_locale(monkeypatch) -> PseudoTranslation:
    """Make every language the pseudo-locale for the rest of the test."""
    catalogue = PseudoTranslation()
    monkeypatch.setattr(trans_real, "translation", lambda language: catalogue)
    monkeypatch.setattr(trans_real, "_default", catalogue)
    trans_real.activate("en")
    return catalogue


class _Text(HTMLParser):
    """Collect what a person reads or hears: text nodes and the attributes screen readers speak."""

    SPOKEN = {"title", "alt", "aria-label", "placeholder"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in self.SPOKEN or (tag == "input" and name == "value"
                                                  and dict(attrs).get("type") in ("submit", "button"))):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def readable_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


_BRACKETED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def untranslated_words(html: str, *, allowed: Iterable[str] = ()) -> list[str]:
    """Return the English words of a page that are outside every ⟦…⟧ (after removing `allowed` phrases)."""
    text = readable_text(html)
    while True:  # innermost first: a translated sentence may hold a translated label
        stripped = _BRACKETED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    for phrase in sorted(allowed, key=len, reverse=True):
        text = text.replace(phrase, " ")
    return _WORD.findall(text)
