"""The signed link to a data subject's status page (no stored state; the page is served by requests_app)."""

from __future__ import annotations

from django.core import signing
from django.urls import NoReverseMatch, reverse

from medprivacy.links import absolute
from subjects.models import DataSubject

STATUS_SALT = "medprivacy.status-page"


def status_token(subject: DataSubject) -> str:
    return signing.dumps({"s": subject.pk}, salt=STATUS_SALT, compress=True)


def status_url(subject: DataSubject) -> str:
    """The signed link to the requester's status page (the page itself is built by the intake views)."""
    try:
        return absolute(reverse("requests_app:status", args=[status_token(subject)]))
    except NoReverseMatch:
        return ""
