"""What every router of the project's one JSON API shares: error types and JSON answers.

Rate limits go through the project's one mechanism, `security.ratelimit` (scope "api" per agent or token).

The API itself is `medprivacy.api`; routers import this module, never that one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers


class ApiError(Exception):
    """An answer other than success: `{"error": message}` with `status`; subclasses shape their API's body."""

    status = 400

    def response(self) -> HttpResponse:
        return json_response({"error": str(self)}, status=self.status)


def json_response(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    """A JSON answer that no cache keeps (API answers are about people and change)."""
    response = JsonResponse(body, status=status, safe=isinstance(body, dict))
    for name, value in (headers or {}).items():
        response[name] = value
    add_never_cache_headers(response)
    return response
