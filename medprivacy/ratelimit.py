"""The portal's one rate limiter: hourly counters in the shared cache, per client key and per e-mail address.

Used by the public forms (through `requests_app.services.intake`) and by the API (`medprivacy.api_base`).
Keys hold keyed hashes, never an address. Counting is per clock hour (UTC).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

RATE_WINDOW_SECONDS = 3600


def _rate_keys(*, scope: str, ip: str, email: str, ip_limit: int | None = None) -> list[tuple[str, int]]:
    hour = timezone.now().astimezone(dt.UTC).strftime("%Y%m%d%H")
    keys = [(f"intake:rate:{scope}:ip:{salted_hmac('intake.rate.ip', ip).hexdigest()[:32]}:{hour}",
             settings.MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR if ip_limit is None else ip_limit)]
    if email:
        digest = salted_hmac("intake.rate.email", (email or "").strip().lower()).hexdigest()[:32]
        keys.append((f"intake:rate:{scope}:email:{digest}:{hour}", settings.MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR))
    return keys


def rate_limited(*, scope: str, ip: str, email: str = "", ip_limit: int | None = None) -> bool:
    """Return True when this IP address or e-mail address has used up this hour's allowance for `scope`.

    `ip` may be any client key (the API passes an agent or token id); `ip_limit` overrides its allowance.
    """
    return any((cache.get(key) or 0) >= limit
               for key, limit in _rate_keys(scope=scope, ip=ip, email=email, ip_limit=ip_limit))


def rate_count(*, scope: str, ip: str, email: str = "") -> None:
    """Count one use of `scope` for this IP address and e-mail address in the current hour."""
    for key, _limit in _rate_keys(scope=scope, ip=ip, email=email):
        cache.add(key, 0, timeout=2 * RATE_WINDOW_SECONDS)
        cache.incr(key)
        # Some backends (the file cache) reset the expiry on incr; the key only has to outlive its hour.
        cache.touch(key, timeout=2 * RATE_WINDOW_SECONDS)
