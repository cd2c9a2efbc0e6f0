"""The read-only consent API for the company's other systems, a router of the project's API (medprivacy/api.py).

`GET /api/consents/v1/permitted?email=…&purpose=…` or `POST` the same fields as a JSON object, with
`Authorization: Bearer <token>`. Errors are `{"error": "…"}`: 400 for bad input, 401 for a missing, wrong or
revoked token, 405 for other methods, 429 over the hourly request limit (docs/consents.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Router, Schema
from ninja.security.base import AuthBase

from consents import selectors
from consents.models import ApiToken
from medprivacy.api_base import ApiError, json_response
from security import ratelimit

PATH = "/api/consents/v1/permitted"
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Za-z0-9-]{1,10}$")
_API_FIELDS = ("email", "purpose", "country", "subdivision", "at", "age")
_MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)

router = Router(tags=["consents"])


class ConsentApiError(ApiError):
    def __init__(self, status: int, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def response(self) -> HttpResponse:
        headers = {}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="consents"'
        if self.retry_after:
            headers["Retry-After"] = str(self.retry_after)
        return json_response({"error": self.message}, status=self.status, headers=headers or None)


class ConsentToken(AuthBase):
    """Bearer authentication with a consent API token (stored as SHA-256), then the hourly rate limit."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> ApiToken:
        usage = ratelimit.rate_limit_hit(request, scope="consents.api")  # per client, before any lookup
        if usage.limited:
            raise ConsentApiError(429, "Too many requests from this client; try again later.",
                                  retry_after=usage.retry_after)
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        token = selectors.api_token_authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise ConsentApiError(401, "A valid API token is required: Authorization: Bearer <token>.")
        return token


class PermittedOut(Schema):
    subject_known: bool
    purpose: str
    permitted: bool
    basis: str
    state: str | None = None
    default: str
    regimes: list[str]
    event_id: int | None = None
    at: str


class PermittedIn(Schema):
    email: str
    purpose: str
    country: str | None = None
    subdivision: str | None = None
    at: str | None = None
    age: int | str | None = None


class ConsentErrorOut(Schema):
    error: str


class _BadInput(ValueError):
    pass


def _api_params(request: HttpRequest) -> dict[str, str]:
    if request.method == "GET":
        return {k: request.GET.get(k, "") for k in _API_FIELDS}
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadInput("The body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise _BadInput("The body must be a JSON object.")
    params = {}
    for key in _API_FIELDS:
        value = body.get(key, "")
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _BadInput(f"'{key}' must be a string.")
        params[key] = str(value)
    return params


def _parse_at(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        at = parse_datetime(raw)
    except ValueError:
        at = None
    if at is None or timezone.is_naive(at):
        raise _BadInput("'at' must be an ISO 8601 instant with a time zone, e.g. 2026-03-05T15:00:00Z.")
    if abs(at.utcoffset()) > _MAX_UTC_OFFSET:
        raise _BadInput("'at' has a UTC offset beyond ±15:59; use an offset between -15:59 and +15:59 or Z.")
    return at


def _parse_age(raw: str) -> int | None:
    if not raw:
        return None
    # ASCII digits only: str.isdigit() also accepts "²" and other digits int() cannot read.
    if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) <= 130:
        raise _BadInput("'age' must be a whole number of years between 0 and 130.")
    return int(raw)


_QUERY_PARAMETERS = [
    {"in": "query", "name": name, "required": name in ("email", "purpose"), "schema": {"type": "string"},
     "description": description}
    for name, description in (
        ("email", "The person's e-mail address."),
        ("purpose", "A purpose code, e.g. marketing_email."),
        ("country", "ISO 3166-1 alpha-2 residence, used only when the address is unknown."),
        ("subdivision", "US state or region code, e.g. CA."),
        ("at", "ISO 8601 instant with a zone: the answer at that time."),
        ("age", "Age in years, when known."),
    )
]
_RESPONSES: dict[int, Any] = {200: PermittedOut, 400: ConsentErrorOut, 401: ConsentErrorOut, 429: ConsentErrorOut}


@router.get(PATH, auth=ConsentToken(), response=_RESPONSES, url_name="consents_api_permitted",
            summary="May we use this person's data for this purpose?", openapi_extra={"parameters": _QUERY_PARAMETERS})
def permitted(request: HttpRequest) -> HttpResponse:
    """Answer from the consent ledger (or the residence's default for an unknown address)."""
    return _answer(request)


@router.post(PATH, auth=ConsentToken(), response=_RESPONSES, summary="The same question as a JSON object",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": PermittedIn.model_json_schema()}}}})
def permitted_post(request: HttpRequest) -> HttpResponse:
    return _answer(request)


@router.api_operation(["PUT", "PATCH", "DELETE"], PATH, include_in_schema=False)
def permitted_other_methods(request: HttpRequest) -> HttpResponse:
    raise ConsentApiError(405, "Use GET with query parameters or POST with a JSON object.")


def _answer(request: HttpRequest) -> HttpResponse:
    """The subject is found by e-mail; an unknown address gets the default of the given residence."""
    try:
        params = _api_params(request)
        email = params["email"].strip().lower()
        if not email:
            raise _BadInput("'email' is required.")
        try:
            validate_email(email)
        except ValidationError as exc:
            raise _BadInput("'email' is not a valid e-mail address.") from exc
        if not params["purpose"]:
            raise _BadInput("'purpose' is required.")
        purpose = selectors.purpose_get_cached(params["purpose"])
        country, subdivision = params["country"].strip(), params["subdivision"].strip()
        if country and not _COUNTRY.match(country):
            raise _BadInput("'country' must be an ISO 3166-1 alpha-2 code, e.g. DE or US.")
        if subdivision and not _SUBDIVISION.match(subdivision):
            raise _BadInput("'subdivision' must be a region code, e.g. CA or US-CA.")
        at, age = _parse_at(params["at"]), _parse_age(params["age"])
    except _BadInput as exc:
        raise ConsentApiError(400, str(exc)) from None
    except selectors.UnknownPurposeError:
        codes = ", ".join(selectors.purpose_list().values_list("code", flat=True))
        raise ConsentApiError(400, f"Unknown purpose; known purposes: {codes}.") from None
    known, decision = selectors.consent_decision_for_email(email, purpose, at=at, age=age, country=country or None,
                                                           subdivision=subdivision or None)
    return json_response({"subject_known": known, **decision.as_json(), "at": (at or timezone.now()).isoformat()})
