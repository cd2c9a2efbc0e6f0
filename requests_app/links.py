"""Signed links for requesters: the status page (no stored state, expires) and helpers for URLs."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from requests_app.models import DataSubject
from requests_app.rules import CCPA_HOMEPAGE_LINKS, CCPA_LINK_RESIDENCE

STATUS_SALT = "medprivacy.status-page"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def status_token(subject: DataSubject) -> str:
    return signing.dumps({"s": subject.pk}, salt=STATUS_SALT, compress=True)


def status_url(subject: DataSubject) -> str:
    """The signed link to the requester's status page (the page itself is built by the intake views)."""
    try:
        return absolute(reverse("requests_app:status", args=[status_token(subject)]))
    except NoReverseMatch:
        return ""


def request_form_url(*, country: str, subdivision: str = "", right: str = "") -> str:
    """The public request form for a residence, with one right ticked in advance."""
    query = {"country": country, **({"subdivision": subdivision} if subdivision else {}),
             **({"right": right} if right else {})}
    return f"{reverse('requests_app:request_form')}?{urlencode(query)}"


def ccpa_homepage_links() -> list[tuple[str, str]]:
    """Return (exact title, URL) of each link the CCPA requires on the homepage (rules table)."""
    country, subdivision = CCPA_LINK_RESIDENCE
    return [(title, request_form_url(country=country, subdivision=subdivision, right=right))
            for title, right in CCPA_HOMEPAGE_LINKS]
