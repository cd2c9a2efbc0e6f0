"""Public consent pages, /.well-known/gpc.json and the read-only JSON API: thin over services/selectors."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from consents import links, selectors, services
from consents.forms import EmailForm, PreferencesForm
from consents.models import Source
from medprivacy.views import erased_page

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Za-z0-9-]{1,10}$")
_API_FIELDS = ("email", "purpose", "country", "subdivision", "at", "age")


# --- Asking for a link ---------------------------------------------------------------------------------

def _link_budget_left(email: str) -> bool:
    """Count one preference-link e-mail for this address; False once the hourly budget is spent."""
    key = "consents:link:" + hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, 3600)
    try:
        return cache.incr(key) <= settings.MEDPRIVACY_PREFERENCE_LINKS_PER_EMAIL_PER_HOUR
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        return True


@never_cache
@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    """Ask for a preference-center link by e-mail; the answer never says whether the address is known."""
    form = EmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "consents/request_link.html", {"form": form, "link_days": _days()}, status=400)
        if _link_budget_left(form.cleaned_data["email"]):
            with transaction.atomic():
                services.preference_link_send(email=form.cleaned_data["email"])
        return render(request, "consents/link_sent.html")
    return render(request, "consents/request_link.html", {"form": form, "link_days": _days()})


def _days() -> int:
    return settings.MEDPRIVACY_PREFERENCE_LINK_DAYS


def _link_problem(request: HttpRequest, error: links.LinkError) -> HttpResponse:
    if error.reason == "erased":
        return erased_page(request)
    return render(request, "consents/link_invalid.html",
                  {"reason": error.reason, "form": EmailForm(), "link_days": _days()},
                  status=410 if error.reason == "expired" else 400)


# --- The preference center -----------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Show each purpose in plain words and record the person's changes, one ledger event each."""
    try:
        subject = links.subject_from_preferences_token(token)
    except links.LinkError as error:
        return _link_problem(request, error)
    evidence = services.evidence_from_request(request)
    if getattr(request, "gpc", False):
        services.consent_gpc_subject(subject=subject, evidence=evidence)
    purposes = list(selectors.purpose_list())
    form = PreferencesForm(request.POST if request.method == "POST" else None, purposes=purposes)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "consents/preferences.html",
                          {"rows": _rows(subject, form), "form": form, "token": token}, status=400)
        changes = []
        for purpose, allow in form.choices():
            event = services.consent_set_choice(subject=subject, purpose=purpose, allow=allow,
                                                source=Source.PREFERENCE_CENTER, evidence=evidence)
            if event is not None:
                changes.append(event)
        return render(request, "consents/preferences_saved.html", {"changes": changes, "token": token})
    return render(request, "consents/preferences.html", {"rows": _rows(subject, form), "form": form, "token": token})


def _rows(subject, form: PreferencesForm) -> list[dict[str, Any]]:
    rows = []
    for purpose, decision in selectors.subject_choices(subject):
        rows.append({"purpose": purpose, "decision": decision, "field": form[f"purpose_{purpose.code}"],
                     "notice": selectors.notice_current(purpose)})
    return rows


# --- One-click unsubscribe (RFC 8058) ------------------------------------------------------------------

@never_cache
@csrf_exempt  # mail clients POST without a session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: confirm page. POST with List-Unsubscribe=One-Click: stop marketing e-mail at once."""
    try:
        subject = links.subject_from_unsubscribe_token(token)
    except links.LinkError as error:
        return _link_problem(request, error)
    if getattr(request, "gpc", False):
        services.consent_gpc_subject(subject=subject, evidence=services.evidence_from_request(request))
    if request.method == "GET":
        return render(request, "consents/unsubscribe_confirm.html", {"token": token})
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return render(request, "consents/unsubscribe_confirm.html",
                      {"token": token, "error": "The unsubscribe request was incomplete. Press the button below."},
                      status=400)
    services.consent_unsubscribe(subject=subject, evidence=services.evidence_from_request(request))
    return render(request, "consents/unsubscribe_done.html",
                  {"preferences_url": links.preferences_url(subject)})


# --- Global Privacy Control ----------------------------------------------------------------------------

@require_GET
def gpc_json(request: HttpRequest) -> JsonResponse:
    """Serve /.well-known/gpc.json (GPC specification §3.5)."""
    last = settings.MEDPRIVACY_GPC_LAST_UPDATE or (
        (selectors.notice_latest_date() or timezone.now().date()).isoformat())
    response = JsonResponse({"gpc": True, "lastUpdate": last})
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- The JSON API --------------------------------------------------------------------------------------

def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="consents"'
    return response


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
    return at


def _parse_age(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 130:
        raise _BadInput("'age' must be a whole number of years between 0 and 130.")
    return int(raw)


@csrf_exempt  # bearer-token API: no cookies, no session
@never_cache
def api_permitted(request: HttpRequest) -> JsonResponse:
    """Answer "may we use this person's data for this purpose" (GET query or POST JSON body).

    The subject is found by e-mail. An unknown address gets the default of the residence given by
    `country`/`subdivision` (the company's voluntary default without them).
    """
    if request.method not in ("GET", "POST"):
        return _error(405, "Use GET with query parameters or POST with a JSON object.")
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or selectors.api_token_authenticate(raw.strip()) is None:
        return _error(401, "A valid API token is required: Authorization: Bearer <token>.")
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
        purpose = selectors.purpose_get(params["purpose"])
        country, subdivision = params["country"].strip(), params["subdivision"].strip()
        if country and not _COUNTRY.match(country):
            raise _BadInput("'country' must be an ISO 3166-1 alpha-2 code, e.g. DE or US.")
        if subdivision and not _SUBDIVISION.match(subdivision):
            raise _BadInput("'subdivision' must be a region code, e.g. CA or US-CA.")
        at, age = _parse_at(params["at"]), _parse_age(params["age"])
    except _BadInput as exc:
        return _error(400, str(exc))
    except selectors.UnknownPurposeError:
        codes = ", ".join(selectors.purpose_list().values_list("code", flat=True))
        return _error(400, f"Unknown purpose; known purposes: {codes}.")
    known, decision = selectors.consent_decision_for_email(email, purpose, at=at, age=age, country=country or None,
                                                           subdivision=subdivision or None)
    return JsonResponse({"subject_known": known, **decision.as_json(),
                         "at": (at or timezone.now()).isoformat()})
