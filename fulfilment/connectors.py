"""How fulfilment reaches a system: the signed webhook protocol (docs/fulfilment-webhook.md) and the
Django-model connector over the retention target registry.

Only transport and cryptography live here; what a result means for a task is decided in
`fulfilment.services`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

PROTOCOL = "medprivacy-fulfilment/1"
SIGNATURE_HEADER = "X-MedPrivacy-Signature"
TIMESTAMP_HEADER = "X-MedPrivacy-Timestamp"
REQUEST_ID_HEADER = "X-MedPrivacy-Request-Id"
_SIGNATURE_PREFIX = "sha256="


class WebhookURLNotAllowed(ValueError):
    """A webhook URL this deployment may not call (not https, or plain http outside localhost)."""


class SignatureError(ValueError):
    """A signature that is missing, malformed, wrong or too old."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale


# ---------------------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------------------


def sign(*, secret: str, timestamp: int | str, body: bytes) -> str:
    """Return the signature header value: HMAC-SHA256 over `timestamp + "." + body` with the system's secret."""
    message = str(timestamp).encode() + b"." + body
    return _SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, body: bytes, request_id: str, now: float | None = None) -> dict[str, str]:
    """Return the headers of a signed request (content type, timestamp, signature, request id)."""
    timestamp = int(now if now is not None else time.time())
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
        REQUEST_ID_HEADER: request_id,
    }


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes,
           now: float | None = None, tolerance: int | None = None) -> None:
    """Raise SignatureError unless `signature` signs `timestamp.body` with `secret` and the timestamp is fresh."""
    if not timestamp or not signature:
        raise SignatureError("The request is not signed (missing timestamp or signature header).")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("The timestamp header is not a Unix time in seconds.") from None
    expected = sign(secret=secret, timestamp=sent_at, body=body)
    # Compare before checking the clock so a forger learns nothing from the answer's kind.
    if not secret or not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("The signature does not match.")
    tolerance = settings.MEDPRIVACY_WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS if tolerance is None else tolerance
    current = now if now is not None else time.time()
    if abs(current - sent_at) > tolerance:
        raise SignatureError(f"The timestamp is more than {tolerance} seconds away from ours.", stale=True)


def signature_digest(signature: str) -> str:
    """Return the SHA-256 of a signature header, stored to refuse its reuse without storing it."""
    return hashlib.sha256(signature.strip().encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Webhook client (stdlib only)
# ---------------------------------------------------------------------------------------------------------


def check_webhook_url(url: str) -> None:
    """Raise WebhookURLNotAllowed unless `url` is https, or http on the loopback where allowed."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    local_http = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if local_http and (settings.DEBUG or settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST):
        return
    raise WebhookURLNotAllowed("Webhook URLs must use https:// (plain http is allowed only for 127.0.0.1 "
                               "in development).")


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    payload: dict[str, Any] | None  # the JSON object answered, None when the body was not one


class WebhookError(Exception):
    """The system could not be reached or answered with an error (the task will be retried)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could carry the signed personal data to an unchecked URL.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_post(*, url: str, secret: str, request_id: str, payload: dict[str, Any],
                 timeout: float | None = None) -> WebhookResponse:
    """POST `payload` signed to `url`; return the status and JSON answer, or raise WebhookError."""
    check_webhook_url(url)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers=signed_headers(secret=secret, body=body, request_id=request_id))
    timeout = settings.MEDPRIVACY_WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        with _opener.open(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read(settings.MEDPRIVACY_WEBHOOK_MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code}", status=exc.code) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"unreachable: {type(reason).__name__}") from None
    if status not in (200, 202):
        raise WebhookError(f"HTTP {status}", status=status)
    try:
        parsed = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        parsed = None
    return WebhookResponse(status=status, payload=parsed if isinstance(parsed, dict) else None)
