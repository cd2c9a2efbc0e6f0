"""Places of residence for the public form: ISO 3166-1 countries and the US states and regions.

Names come from pycountry (Debian's iso-codes: ISO 3166-1 with common names where given, ISO 3166-2:US) and
are shown in the page's language through iso-codes' own translations. The stored values stay the codes (the
alpha-2 country, the part of the ISO 3166-2 code after "US-"). Which law applies to a residence is decided by
the rules table, not here.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

import pycountry
from django.utils import translation

# The 50 states, the District of Columbia and the inhabited territories: ISO 3166-2:US without the
# uninhabited Minor Outlying Islands (nobody files a request from there).
_UNINHABITED = frozenset({"UM"})

# English names by code (the iso-codes msgids: what the DRP address parser, logs and the rules read).
COUNTRY_NAMES: Mapping[str, str] = MappingProxyType(
    {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries})
US_REGION_NAMES: Mapping[str, str] = MappingProxyType(
    {s.code[3:]: s.name for s in pycountry.subdivisions.get(country_code="US") if s.code[3:] not in _UNINHABITED})


@functools.cache
def _iso_codes(domain: str, language: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def country_name(code: str) -> str:
    """Return a country's name in the active language, or the code if unknown."""
    name = COUNTRY_NAMES.get(code)
    return _iso_codes("iso3166-1", _language()).gettext(name) if name else code


def region_name(code: str) -> str:
    """Return a US state's or territory's name in the active language, or the code if unknown."""
    name = US_REGION_NAMES.get(code)
    return _iso_codes("iso3166-2", _language()).gettext(name) if name else code


def _sort_key(item: tuple[str, str]) -> str:
    """Sort names as a reader expects: "Åland" with the A's, "Österreich" with the O's."""
    return unicodedata.normalize("NFKD", item[1]).encode("ascii", "ignore").decode().casefold()


def country_choices() -> list[tuple[str, str]]:
    """Return (code, name) for every country, sorted by name in the active language."""
    return list(_choices("iso3166-1", _language()))


def us_region_choices() -> list[tuple[str, str]]:
    """Return (code, name) for the US states and territories, sorted by name in the active language."""
    return list(_choices("iso3166-2", _language()))


@functools.cache
def _choices(domain: str, language: str) -> tuple[tuple[str, str], ...]:
    # Built once per language and process: the public form lists every country on each request.
    names = COUNTRY_NAMES if domain == "iso3166-1" else US_REGION_NAMES
    translations = _iso_codes(domain, language)
    return tuple(sorted(((code, translations.gettext(name)) for code, name in names.items()), key=_sort_key))


def residence_label(country: str, subdivision: str = "") -> str:
    """Return a residence in words in the active language, e.g. "California, United States"."""
    name = country_name(country)
    if country == "US" and subdivision:
        return f"{region_name(subdivision)}, {name}"
    return name
