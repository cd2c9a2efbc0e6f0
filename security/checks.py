"""Deploy checks of the security layer (`python manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def rate_limits_need_redis(app_configs, **kwargs) -> list[Warning]:
    """Rate limits are only exact with an atomic shared counter: Redis."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("RedisCache"):
        return []
    return [Warning("Rate limits count in a cache without atomic increments shared by every process.",
                    hint="Set REDIS_URL in production (the cache, broker and rate-limit counters).",
                    id="security.W001")]


@register(Tags.security, deploy=True)
def second_factor_for_supervisors(app_configs, **kwargs) -> list[Warning]:
    if settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS and not settings.MEDPRIVACY_2FA_EXEMPT_USERNAMES:
        return []
    return [Warning("Supervisors can use the admin without a second factor.",
                    hint="Set MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS=true and DJANGO_DEBUG=false.",
                    id="security.W002")]
