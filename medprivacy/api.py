"""The project's one JSON API (django-ninja): the consent API and the Data Rights Protocol, one OpenAPI schema.

Every API view is CSRF-exempt (bearer tokens or signatures, never cookies). The OpenAPI schema is served
at `/api/openapi.json` and browsable at `/api/docs`. Errors keep the shape each API documents: the
consent API answers `{"error": …}`, the DRP `{"code", "message", "fatal"}` or an empty 403. Each error
type renders itself (`ApiError.response`), so one exception handler serves both.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from consents.api import router as consents_router
from drp.api import router as drp_router
from medprivacy.api_base import ApiError, json_response

OPENAPI_URL = "/api/openapi.json"

api = NinjaAPI(
    title="MedPrivacy API",
    version="1.0",
    description="The consent API for the company's own systems and the Data Rights Protocol (1.0) for "
                "authorized agents. See docs/consents.md and docs/drp.md.",
    openapi_url=OPENAPI_URL,
    docs_url="/api/docs",
    urls_namespace="api",
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return exc.response()


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # Our auth classes raise their own ApiError; this is only reached by a route without one.
    return json_response({"error": "Authentication is required."}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return json_response({"error": "The request is malformed.", "detail": exc.errors}, status=400)

api.add_router("", consents_router)
api.add_router("", drp_router)
