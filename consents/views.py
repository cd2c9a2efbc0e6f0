"""Public consent pages and /.well-known/gpc.json: thin over services/selectors (the JSON API is consents/api.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from consents import links, selectors, services
from consents.forms import EmailForm, PreferencesForm
from consents.models import Source
from medprivacy.views import erased_page
from minors.models import AgeSource
from minors.services import age_statement_record
from security import ratelimit

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Za-z0-9-]{1,10}$")
# PostgreSQL (and ISO 8601 in practice) stop at ±15:59.
_MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)
_API_FIELDS = ("email", "purpose", "country", "subdivision", "at", "age")


# --- Asking for a link ---------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    """Ask for a preference-center link by e-mail; the answer never says whether the address is known."""
    form = EmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "consents/request_link.html", {"form": form, "link_days": _days()}, status=400)
        # Per client first (a 429), then per address: past that budget the answer looks the same but
        # no e-mail goes out, so the page never tells whether an address is known or was limited.
        ratelimit.rate_limit_enforce(request, scope="consents.link.ip")
        email = form.cleaned_data["email"]
        if not ratelimit.rate_limit_hit(request, scope="consents.link.email", value=ratelimit.email_key(email)).limited:
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
        ratelimit.rate_limit_enforce(request, scope="consents.preferences")
        if not form.is_valid():
            return render(request, "consents/preferences.html",
                          {"rows": _rows(subject, form), "form": form, "token": token}, status=400)
        if form.cleaned_data.get("birth_date"):
            age_statement_record(subject=subject, birth_date=form.cleaned_data["birth_date"],
                                 source=AgeSource.CONSENT)
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
                      {"token": token, "error": _("The unsubscribe request was incomplete. Press the button below.")},
                      status=400)
    ratelimit.rate_limit_enforce(request, scope="consents.unsubscribe")
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
