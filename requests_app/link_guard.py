"""What may appear in a message the requester reads on the status page: no secret link, no live token.

Anyone holding a status link can read the conversation shown there (after typing the e-mail address, which
whoever filed a request in that person's name also knows), so a message in it must not carry a link that
acts on the requester's behalf (verification, withdrawal, package download, preferences, unsubscribe) or a
status link of someone else, nor a live verification token. The requester's own status link is the one
secret link it may carry.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote, urlsplit

from django.core import signing
from django.urls import Resolver404, resolve

from requests_app.models import VerificationToken
from subjects.links import STATUS_SALT

# URL names of the pages a link token opens on someone's behalf.
SECRET_LINK_VIEWS = frozenset({
    "requests_app:verify", "requests_app:withdraw", "requests_app:status", "requests_app:status_confirm",
    "requests_app:status_reply", "fulfilment:package", "consents:preferences", "consents:unsubscribe",
})
_URL = re.compile(r"(?:https?://[^\s<>\"']+|/[A-Za-z0-9._~%/+:=-]*/[A-Za-z0-9._~%+:=-]{16,}/?)")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")


def _status_subject(token: str) -> object:
    try:
        data = signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        return None
    return data.get("s") if isinstance(data, dict) else None


def secret_links_in(text: str, *, own_subject_id: int | None = None) -> list[str]:
    """Return the links in `text` that open a page on someone's behalf.

    The status page itself of `own_subject_id` (the requester the message is for) is allowed; every other
    secret link is returned.
    """
    found = []
    for url in _URL.findall(text or ""):
        path = unquote(urlsplit(url.rstrip(".,;:)")).path)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.view_name not in SECRET_LINK_VIEWS:
            continue
        if (match.view_name == "requests_app:status" and own_subject_id is not None
                and _status_subject(match.kwargs.get("token", "")) == own_subject_id):
            continue
        found.append(url)
    return found


def live_verification_token_in(text: str) -> bool:
    """Return whether `text` contains a verification token that still works (only hashes are stored)."""
    hashes = {hashlib.sha256(word.encode()).hexdigest() for word in _TOKEN.findall(text or "")}
    return bool(hashes) and VerificationToken.objects.filter(token_hash__in=hashes, used_at__isnull=True).exists()


def live_link_problem(text: str, *, own_subject_id: int) -> str:
    """Return why `text` may not go into a requester's conversation, or "" when it may."""
    if secret_links_in(text, own_subject_id=own_subject_id):
        return ("The message contains a link that acts on the requester's behalf (verification, download, "
                "preferences or another status page). Remove it: anyone with the status link can read "
                "the conversation.")
    if live_verification_token_in(text):
        return "The message contains a live verification token. Remove it."
    return ""
