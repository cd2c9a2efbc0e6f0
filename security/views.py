"""Answers the security layer gives: 429 when a rate limit is reached, 400 for input we cannot read."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from security.ratelimit import RateLimited

logger = logging.getLogger(__name__)

# Machine endpoints and the error body each documents: the Data Rights Protocol's {"code", "message",
# "fatal"} (spec §3.06) under /v1/, {"error": …} for the consent API and the fulfilment callbacks.
_JSON_ERROR_SHAPES = (
    ("/v1/", lambda status, message: {"code": str(status), "message": message, "fatal": False}),
    ("/api/", lambda status, message: {"error": message}),
    ("/fulfilment/callback/", lambda status, message: {"error": message}),
)
_JSON_PREFIXES = tuple(prefix for prefix, _shape in _JSON_ERROR_SHAPES)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(_JSON_PREFIXES) or "application/json" in request.headers.get("Accept", "")


def json_error(request: HttpRequest, message: str, status: int) -> JsonResponse:
    """An error answer in the body shape the endpoint's API documents."""
    shape = next((shape for prefix, shape in _JSON_ERROR_SHAPES if request.path.startswith(prefix)),
                 lambda status, message: {"error": message})
    return JsonResponse(shape(status, message), status=status)


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """settings.RATELIMIT_VIEW: a 429 with Retry-After, as JSON for machine endpoints."""
    retry_after = exception.retry_after if isinstance(exception, RateLimited) else 60
    scope = exception.scope if isinstance(exception, RateLimited) else "unknown"
    logger.info("rate limit reached: %s", scope)
    if wants_json(request):
        response: HttpResponse = json_error(
            request, _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": retry_after}, 429)
    else:
        response = render(request, "security/rate_limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def bad_input(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """Answer input the portal cannot read with a clear message (never a 500)."""
    if wants_json(request):
        return json_error(request, message, status)
    return HttpResponse(_("Bad request: %(message)s") % {"message": message} + "\n", status=status,
                        content_type="text/plain; charset=utf-8")


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: say plainly that the login is locked, and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    logger.warning("admin login locked out after repeated failures")
    response = render(request, "security/locked_out.html", {"cooloff_minutes": minutes, "title": _("Login locked")},
                      status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
