"""What every router of the project's one JSON API shares: error types, JSON answers, the rate limit.

The API itself is `medprivacy.api`; routers import this module, never that one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from medprivacy.ratelimit import rate_count, rate_limited


class ApiError(Exception):
    """An answer other than success; subclasses decide the body shape."""

    status = 400

    def response(self) -> HttpResponse:
        raise NotImplementedError


def json_response(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    """A JSON answer that no cache keeps (API answers are about people and change)."""
    response = JsonResponse(body, status=status, safe=isinstance(body, dict))
    for name, value in (headers or {}).items():
        response[name] = value
    add_never_cache_headers(response)
    return response


def api_rate_allow(*, client: str) -> bool:
    """Count one API request of `client` (an agent, a token, an IP address); False when over the hourly limit.

    The one call site of the rate limiter (`medprivacy.ratelimit`) for the API.
    """
    limit = settings.MEDPRIVACY_API_REQUESTS_PER_HOUR
    if rate_limited(scope="api", ip=client, ip_limit=limit):
        return False
    rate_count(scope="api", ip=client)
    return True


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
