"""How fulfilment reaches a system: the signed webhook protocol (docs/fulfilment-webhook.md) and the
Django-model connector over the retention target registry.

Only transport and cryptography live here; what a result means for a task is decided in
`fulfilment.services`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

PROTOCOL = "medprivacy-fulfilment/2"
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


def signing_string(*, method: str, request_id: str, timestamp: int | str, body: bytes) -> bytes:
    """Return what is signed: method, request id and timestamp on their own lines, then the body.

    Binding the method and the request id (the task the message is about, also the callback URL's last
    segment) means a correctly signed result cannot be replayed against another task.
    """
    return f"{method.upper()}\n{request_id}\n{timestamp}\n".encode() + body


def sign(*, secret: str, timestamp: int | str, body: bytes, request_id: str, method: str = "POST") -> str:
    """Return the signature header value: HMAC-SHA256 over the signing string with the system's secret."""
    message = signing_string(method=method, request_id=request_id, timestamp=timestamp, body=body)
    return _SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, body: bytes, request_id: str, now: float | None = None) -> dict[str, str]:
    """Return the headers of a signed request (content type, timestamp, signature, request id)."""
    timestamp = int(now if now is not None else time.time())
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body, request_id=request_id),
        REQUEST_ID_HEADER: request_id,
    }


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes, request_id: str,
           method: str = "POST", now: float | None = None, tolerance: int | None = None) -> None:
    """Raise SignatureError unless `signature` signs this method, request id, timestamp and body with `secret`
    and the timestamp is fresh."""
    if not timestamp or not signature:
        raise SignatureError("The request is not signed (missing timestamp or signature header).")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("The timestamp header is not a Unix time in seconds.") from None
    expected = sign(secret=secret, timestamp=sent_at, body=body, request_id=request_id, method=method)
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
    """Raise WebhookURLNotAllowed unless `url` is https to public addresses only, or http on the loopback
    where allowed (development, the tests' stand-in system).

    Every address the host name resolves to must be public: private (10/8, 172.16/12, 192.168/16, fc00::/7),
    loopback, link-local (169.254/16: cloud metadata), shared, reserved, multicast and unspecified addresses
    are refused, so a system entry cannot turn the worker against the internal network. Checked at save and
    again just before each send (the name may resolve elsewhere by then).
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise WebhookURLNotAllowed("This is not a valid URL.") from None
    local_allowed = settings.DEBUG or settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST
    if not host or parts.scheme not in {"https", "http"}:
        raise WebhookURLNotAllowed("Webhook URLs must use https:// (plain http is allowed only for 127.0.0.1 "
                                   "in development).")
    addresses = _resolve(host, port or (443 if parts.scheme == "https" else 80))
    if addresses is None:
        raise WebhookURLNotAllowed(f"The host {host} does not resolve.")
    loopback_only = bool(addresses) and all(address.is_loopback for address in addresses)
    if loopback_only and local_allowed:
        return
    if parts.scheme != "https":
        raise WebhookURLNotAllowed("Webhook URLs must use https:// (plain http is allowed only for 127.0.0.1 "
                                   "in development).")
    internal = sorted({str(a) for a in addresses if not a.is_global or a.is_multicast})
    if internal:
        raise WebhookURLNotAllowed(f"Webhook URLs must reach public addresses; {host} resolves to an internal "
                                   f"address ({', '.join(internal)}).")


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address] | None:
    """Return every address `host` resolves to (a literal address as itself), or None when it does not."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


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
