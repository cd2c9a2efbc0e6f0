"""Signed links for requesters: the status page (no stored state, expires) and helpers for URLs."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

from requests_app.models import DataSubject

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
