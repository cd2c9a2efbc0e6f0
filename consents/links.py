"""Signed, time-limited links for the preference center and one-click unsubscribe (no stored state)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from subjects import selectors as subjects_selectors
from subjects.models import DataSubject

PREFERENCES_SALT = "medprivacy.consents.preferences"
UNSUBSCRIBE_SALT = "medprivacy.consents.unsubscribe"
DAY = 24 * 3600


class LinkError(Exception):
    """A link that was tampered with, has expired, or points to nobody we know any more."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _token(subject: DataSubject, salt: str) -> str:
    # The address is bound into the token so a link stops working once the address changes or is erased.
    return signing.dumps({"s": subject.pk, "e": subject.email}, salt=salt, compress=True)


def preferences_token(subject: DataSubject) -> str:
    return _token(subject, PREFERENCES_SALT)


def unsubscribe_token(subject: DataSubject) -> str:
    return _token(subject, UNSUBSCRIBE_SALT)


def preferences_url(subject: DataSubject) -> str:
    """Return the absolute signed link to the subject's preference center."""
    return _absolute(reverse("consents:preferences", args=[preferences_token(subject)]))


def unsubscribe_url(subject: DataSubject) -> str:
    """Return the absolute signed one-click unsubscribe link for marketing e-mail."""
    return _absolute(reverse("consents:unsubscribe", args=[unsubscribe_token(subject)]))


def _load(token: str, salt: str, max_age_days: int) -> DataSubject:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age_days * DAY)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise LinkError("invalid")
    subject = subjects_selectors.subject_by_id(payload["s"])
    if subject is None or not subject.email or subject.email != payload.get("e"):
        raise LinkError("invalid")
    return subject


def subject_from_preferences_token(token: str) -> DataSubject:
    """Return the subject of a preference link or raise LinkError."""
    return _load(token, PREFERENCES_SALT, settings.MEDPRIVACY_PREFERENCE_LINK_DAYS)


def subject_from_unsubscribe_token(token: str) -> DataSubject:
    """Return the subject of an unsubscribe link or raise LinkError."""
    return _load(token, UNSUBSCRIBE_SALT, settings.MEDPRIVACY_UNSUBSCRIBE_LINK_DAYS)


def unsubscribe_headers(subject: DataSubject) -> dict[str, str]:
    """Return the RFC 2369 / RFC 8058 headers for an outgoing marketing e-mail to ``subject``."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subject)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def marketing_links(subject: DataSubject) -> dict[str, str | dict[str, str]]:
    """Return what every marketing e-mail must carry: the preference link, the unsubscribe link and headers."""
    return {"preferences_url": preferences_url(subject), "unsubscribe_url": unsubscribe_url(subject),
            "headers": unsubscribe_headers(subject)}
