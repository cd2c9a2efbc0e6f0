"""Links into the public request form (the homepage's CCPA links among them)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from regimes.rules import CCPA_HOMEPAGE_LINKS, CCPA_LINK_RESIDENCE


def request_form_url(*, country: str, subdivision: str = "", right: str = "") -> str:
    """The public request form for a residence, with one right ticked in advance."""
    query = {"country": country, **({"subdivision": subdivision} if subdivision else {}),
             **({"right": right} if right else {})}
    return f"{reverse('requests_app:request_form')}?{urlencode(query)}"


def ccpa_homepage_links() -> list[tuple[str, str]]:
    """Return (exact title in the page's language, URL) of each link the CCPA requires on the homepage (rules table)."""
    country, subdivision = CCPA_LINK_RESIDENCE
    return [(_(title), request_form_url(country=country, subdivision=subdivision, right=right))
            for title, right in CCPA_HOMEPAGE_LINKS]
