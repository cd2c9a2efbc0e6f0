"""The one rate-limit mechanism: django-ratelimit counters keyed on the real client address.

Every limit of the portal is a named scope in ``settings.MEDPRIVACY_RATE_LIMITS`` ("10/h", "5/15m"),
counted with one atomic increment in the shared cache (Redis ``INCR`` in production), so concurrent
requests cannot overshoot a limit: the count a request gets back from its own increment is what decides,
never an earlier read. Against Redis, every scope a request counts (per client, per address…) goes in ONE
pipelined round trip (``SET key 0 EX window NX`` then ``INCR key`` per scope, in MULTI/EXEC), on the same
keys and windows as django-ratelimit's ``get_usage``, which the other caches (the embedded file cache of a
one-machine install) still go through. The client address comes from django-ipware with the trusted proxy
count/list of the settings: behind the load balancer each requester has their own allowance.

Keys never hold an address: django-ratelimit stores a SHA-256 of group, window and key value, and
e-mail keys are a keyed HMAC before that.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate, get_usage
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
    scope: str = ""  # the scope over its limit (the one with the longest wait)


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


def _group(scope: str) -> str:
    return f"medprivacy.{scope}"


def _redis_write_client(cache: RedisCache):
    """Return one redis client per cache instance: Django builds a new one on every `get_client` call, which
    was a fifth of a consent API answer's CPU (benchmarks/README.md, P5). It shares Django's pool."""
    backend = cache._cache
    client = getattr(backend, "_medprivacy_write_client", None)
    if client is None:
        client = backend._medprivacy_write_client = backend.get_client(write=True)
    return client


def rate_limit_hit_all(request: HttpRequest, checks: Sequence[tuple[str, str | None]]) -> Usage:
    """Count one use of every (scope, value) in `checks` at once; limited when any is over its limit.

    `value` None counts per client address. Against Redis this is one pipelined round trip whatever the
    number of scopes; each count is the value of the request's own INCR, so concurrent requests never
    overshoot. `retry_after` is the longest wait among the scopes that are over.
    """
    counted = []  # (scope, key value, rate, limit, period, window end) of each scope that has a rate
    for scope, value in checks:
        rate = scope_rate(scope)
        if not rate:
            continue
        key_value = value if value is not None else client_ip(request)
        limit, period = _split_rate(rate)
        window = _get_window(key_value, period)
        counted.append((scope, key_value, rate, limit, period, window))
    if not counted or not getattr(settings, "RATELIMIT_ENABLE", True):
        return Usage(limited=False, retry_after=0)
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    if isinstance(cache, RedisCache):
        with _redis_write_client(cache).pipeline(transaction=True) as pipe:
            for scope, key_value, rate, _limit, period, window in counted:
                key = cache.make_and_validate_key(_make_cache_key(_group(scope), window, rate, key_value, None))
                pipe.set(key, 0, ex=period + EXPIRATION_FUDGE, nx=True)
                pipe.incr(key)
            replies = pipe.execute()
        over = [int(count) > limit for count, (*_, limit, _period, _window) in zip(replies[1::2], counted,
                                                                                     strict=True)]
    else:  # the embedded file cache: django-ratelimit's add-then-incr, scope by scope
        over = []
        for scope, key_value, rate, *_ in counted:
            usage = get_usage(request, group=_group(scope), key=lambda _g, _r, v=key_value: v, rate=rate,
                              increment=True)
            over.append(bool(usage and usage["should_limit"]))
    now = int(time.time())
    limited = [(max(window - now, 1), scope) for (scope, *_, window), is_over in zip(counted, over, strict=True)
               if is_over]
    if not limited:
        return Usage(limited=False, retry_after=0)
    retry_after, scope = max(limited)
    return Usage(limited=True, retry_after=retry_after, scope=scope)


def rate_limit_hit(request: HttpRequest, *, scope: str, value: str | None = None) -> Usage:
    """Count one use of `scope` for this client (or for `value`) and say whether it is over the limit."""
    return rate_limit_hit_all(request, [(scope, value)])


def rate_limit_enforce(request: HttpRequest, *, scope: str, value: str | None = None) -> None:
    """Count one use of `scope`; raise RateLimited (a 429 answer) once it is over the limit."""
    rate_limit_enforce_all(request, [(scope, value)])


def rate_limit_enforce_all(request: HttpRequest, checks: Sequence[tuple[str, str | None]]) -> None:
    """Count one use of every (scope, value) in one call; raise RateLimited once any is over its limit."""
    usage = rate_limit_hit_all(request, checks)
    if usage.limited:
        raise RateLimited(scope=usage.scope, retry_after=usage.retry_after)


def rate_limit_usage(request: HttpRequest, *, scope: str, value: str | None = None) -> int:
    """Return how many uses of `scope` this client (or `value`) has spent in the current window."""
    rate = scope_rate(scope)
    if not rate:
        return 0
    key_value = value if value is not None else client_ip(request)
    usage = get_usage(request, group=_group(scope), key=lambda _group, _request: key_value,
                      rate=rate, increment=False)
    return int(usage["count"]) if usage else 0
