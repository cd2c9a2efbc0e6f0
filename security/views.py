"""Answers the security layer gives: 429 when a rate limit is reached, 400 for input we cannot read."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from security.ratelimit import RateLimited

logger = logging.getLogger(__name__)

_JSON_PREFIXES = ("/api/", "/fulfilment/callback/")


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(_JSON_PREFIXES) or "application/json" in request.headers.get("Accept", "")


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """settings.RATELIMIT_VIEW: a 429 with Retry-After, as JSON for machine endpoints."""
    retry_after = exception.retry_after if isinstance(exception, RateLimited) else 60
    scope = exception.scope if isinstance(exception, RateLimited) else "unknown"
    logger.info("rate limit reached: %s", scope)
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"error": f"Too many requests. Try again in {retry_after} seconds."}, status=429)
    else:
        response = render(request, "security/rate_limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def bad_input(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """Answer input the portal cannot read with a clear message (never a 500)."""
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return HttpResponse(f"Bad request: {message}\n", status=status, content_type="text/plain; charset=utf-8")


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: say plainly that the login is locked, and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    logger.warning("admin login locked out after repeated failures")
    response = render(request, "security/locked_out.html", {"cooloff_minutes": minutes, "title": "Login locked"},
                      status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
