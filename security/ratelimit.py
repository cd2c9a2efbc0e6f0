"""The one rate-limit mechanism: django-ratelimit counters keyed on the real client address.

Every limit of the portal is a named scope in ``settings.MEDPRIVACY_RATE_LIMITS`` ("10/h", "5/15m"),
counted with one atomic increment in the shared cache (Redis ``INCR`` in production), so concurrent
requests cannot overshoot a limit. The client address comes from django-ipware with the trusted proxy
count/list of the settings: behind the load balancer each requester has their own allowance.

Keys never hold an address: django-ratelimit stores a SHA-256 of group, window and key value, and
e-mail keys are a keyed HMAC before that.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited
from ipware import get_client_ip


class RateLimited(Ratelimited):
    """Raised by `rate_limit_enforce`; RatelimitMiddleware turns it into a 429 page (security.views)."""

    def __init__(self, *, scope: str, retry_after: int) -> None:
        super().__init__(f"rate limit reached: {scope}")
        self.scope = scope
        self.retry_after = retry_after


@dataclass(frozen=True)
class Usage:
    limited: bool
    retry_after: int  # seconds until the current window ends


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the trusted proxies' X-Forwarded-For entry."""
    cached = getattr(request, "_medprivacy_client_ip", None)
    if cached is not None:
        return cached
    ip = None
    proxies = settings.MEDPRIVACY_TRUSTED_PROXIES
    if proxies > 0:
        # Each trusted proxy appends the address it received the connection from; the last one is
        # REMOTE_ADDR, so the client is the entry `proxies - 1` places from the right. Entries further
        # left were written by the client and are never trusted.
        try:
            ip, _routable = get_client_ip(request, proxy_order="left-most", proxy_count=proxies - 1, strict=False,
                                          request_header_order=["HTTP_X_FORWARDED_FOR"])
        except ValueError:
            ip = None
    ip = ip or request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - a request without an address
    request._medprivacy_client_ip = ip
    return ip


def email_key(email: str) -> str:
    """Return a keyed digest of a normalised e-mail address, for per-address limits."""
    return salted_hmac("medprivacy.ratelimit.email", (email or "").strip().lower()).hexdigest()


def scope_rate(scope: str) -> str | None:
    """Return the rate of `scope` ("10/h"), reading a (setting name, period) pair at call time."""
    rate = settings.MEDPRIVACY_RATE_LIMITS.get(scope)
    if isinstance(rate, tuple | list):
        rate = f"{int(getattr(settings, rate[0]))}/{rate[1]}"
    return rate or None


def rate_limit_hit(request: HttpRequest, *, scope: str, value: str | None = None) -> Usage:
    """Count one use of `scope` for this client (or for `value`) and say whether it is over the limit."""
    rate = scope_rate(scope)
    if not rate:
        return Usage(limited=False, retry_after=0)
    key_value = value if value is not None else client_ip(request)
    usage = get_usage(request, group=f"medprivacy.{scope}", key=lambda _group, _request: key_value,
                      rate=rate, increment=True)
    if usage is None:  # RATELIMIT_ENABLE = False
        return Usage(limited=False, retry_after=0)
    return Usage(limited=bool(usage["should_limit"]), retry_after=max(int(usage["time_left"]), 1))


def rate_limit_enforce(request: HttpRequest, *, scope: str, value: str | None = None) -> None:
    """Count one use of `scope`; raise RateLimited (a 429 answer) once it is over the limit."""
    usage = rate_limit_hit(request, scope=scope, value=value)
    if usage.limited:
        raise RateLimited(scope=scope, retry_after=usage.retry_after)


def rate_limit_usage(request: HttpRequest, *, scope: str, value: str | None = None) -> int:
    """Return how many uses of `scope` this client (or `value`) has spent in the current window."""
    rate = scope_rate(scope)
    if not rate:
        return 0
    key_value = value if value is not None else client_ip(request)
    usage = get_usage(request, group=f"medprivacy.{scope}", key=lambda _group, _request: key_value,
                      rate=rate, increment=False)
    return int(usage["count"]) if usage else 0
