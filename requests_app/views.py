"""Public pages of the requests app: the request form, verification, the status page. Thin: forms check
the input, services in `requests_app.services.intake` do the writes, selectors the reads.

Bad input never gets a 500: invalid forms come back filled in with status 400, a bad or expired link gets
one page (404) that says so without revealing whether an address is known, too many submissions get 429.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from requests_app import selectors
from requests_app.forms import IntakeForm, NewLinkForm, ResidenceForm
from requests_app.services import intake
from requests_app.workflow import IllegalTransition
from subjects import links
from subjects.models import DataSubject

logger = logging.getLogger(__name__)

SUBMITTED_SALT = "medprivacy.intake-submitted"
SUBMITTED_MAX_AGE = dt.timedelta(days=1)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")


def _private(response: HttpResponse) -> HttpResponse:
    """Keep pages reached through a secret link out of search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    next_hour = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    response = render(request, "requests_app/rate_limited.html", status=429)
    response["Retry-After"] = str(int((next_hour - now).total_seconds()) + 1)
    logger.info("intake: rate limit reached")
    return response


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "requests_app/link_invalid.html", status=404))


def _render_form(request: HttpRequest, form: IntakeForm, status: int = 200) -> HttpResponse:
    return render(request, "requests_app/request_form.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    """Step one (GET without a residence): where do you live. Step two: the request for that residence."""
    if request.method == "POST":
        return _request_form_post(request)
    changing = "change" in request.GET
    if "country" in request.GET and not changing:
        residence = ResidenceForm(request.GET)
        if residence.is_valid():
            form = IntakeForm(country=residence.cleaned_data["country"],
                              subdivision=residence.cleaned_data["subdivision"])
            return _render_form(request, form)
        return render(request, "requests_app/residence.html", {"form": residence}, status=400)
    initial = {key: request.GET.get(key, "") for key in ("country", "subdivision")} if changing else None
    return render(request, "requests_app/residence.html", {"form": ResidenceForm(initial=initial)})


def _request_form_post(request: HttpRequest) -> HttpResponse:
    ip = _client_ip(request)
    if intake.rate_limited(scope="submit", ip=ip):
        return _too_many(request)
    if request.POST.get("website"):
        # A bot filled the hidden field: answer like a success and keep nothing.
        intake.rate_count(scope="submit", ip=ip)
        logger.info("intake: honeypot submission discarded")
        return redirect("requests_app:request_submitted")
    residence = ResidenceForm(request.POST)
    if not residence.is_valid():
        return render(request, "requests_app/residence.html", {"form": residence}, status=400)
    form = IntakeForm(request.POST, request.FILES, country=residence.cleaned_data["country"],
                      subdivision=residence.cleaned_data["subdivision"])
    if not form.is_valid():
        return _render_form(request, form, status=400)
    email = form.cleaned_data["email"]
    if intake.rate_limited(scope="submit", ip=ip, email=email):
        return _too_many(request)
    try:
        result = intake.submission_create(**form.service_arguments())
    except intake.IntakeRejected as exc:
        for field, message in exc.problems.items():
            form.add_error(field if field in form.fields else None, message)
        return _render_form(request, form, status=400)
    intake.rate_count(scope="submit", ip=ip, email=email)
    token = signing.dumps(result.submission.pk, salt=SUBMITTED_SALT)
    return redirect(f"{reverse('requests_app:request_submitted')}?c={token}")


@never_cache
@require_GET
def request_submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation page: references and respond-by dates (a generic thank-you without a valid token)."""
    submission = None
    try:
        submission_id = signing.loads(request.GET.get("c", ""), salt=SUBMITTED_SALT, max_age=SUBMITTED_MAX_AGE)
    except signing.BadSignature:
        submission_id = None
    if isinstance(submission_id, int):
        submission = selectors.public_submission_get(submission_id=submission_id)
    cases = list(submission.cases.all()) if submission is not None else []
    return _private(render(request, "requests_app/submitted.html", {
        "submission": submission, "cases": cases,
        "link_days": settings.MEDPRIVACY_VERIFICATION_LINK_DAYS,
        "awaiting": any(dsr.status == "awaiting_verification" for dsr in cases),
    }))


@never_cache
@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Use a verification link, then show the status page (GET only: HEAD probes do not use it up)."""
    try:
        submission = intake.verification_consume(token=token)
    except intake.LinkInvalid as exc:
        logger.info("intake: verification link refused (%s)", exc.reason)
        return _link_invalid(request)
    messages.success(request, "Thank you: your e-mail address is confirmed.")
    return redirect("requests_app:status", token=links.status_token(submission.subject))


def _status_subject(token: str) -> DataSubject | None:
    """Return the data subject a status token names, or None for a bad, expired or erased one."""
    try:
        data = signing.loads(token, salt=links.STATUS_SALT,
                             max_age=dt.timedelta(days=settings.MEDPRIVACY_STATUS_LINK_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return selectors.public_subject_get(subject_id=data["s"])


@never_cache
@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The requester's page: their cases, status, due dates, messages sent; withdraw buttons."""
    subject = _status_subject(token)
    if subject is None:
        logger.info("intake: status link refused")
        return _link_invalid(request)
    return _private(render(request, "requests_app/status.html", {
        "token": token,
        "cases": selectors.public_cases_for_subject(subject=subject),
        "sent_messages": selectors.public_messages_for_subject(subject=subject),
    }))


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    """Ask to confirm (GET), then withdraw (POST, with CSRF) one of the requester's open cases."""
    subject = _status_subject(token)
    dsr = selectors.public_case_for_subject(subject=subject, reference=reference) if subject else None
    if dsr is None:
        return _link_invalid(request)
    if not dsr.is_open:
        return _private(render(request, "requests_app/withdraw.html", {"token": token, "dsr": dsr, "closed": True},
                               status=409))
    if request.method == "GET":
        return _private(render(request, "requests_app/withdraw.html", {"token": token, "dsr": dsr}))
    try:
        intake.case_withdraw_by_requester(dsr=dsr)
    except IllegalTransition:  # closed by an officer between the two clicks
        dsr.refresh_from_db()
        return _private(render(request, "requests_app/withdraw.html", {"token": token, "dsr": dsr, "closed": True},
                               status=409))
    messages.success(request, f"Request {dsr.reference} is withdrawn. We have sent you a confirmation by e-mail.")
    return redirect("requests_app:status", token=token)


@never_cache
@require_http_methods(["GET", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    """Send a fresh status link (and confirmation links) by e-mail; the answer never says if we know it."""
    if request.method == "GET":
        return render(request, "requests_app/new_link.html", {"form": NewLinkForm()})
    form = NewLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "requests_app/new_link.html", {"form": form}, status=400)
    ip, email = _client_ip(request), form.cleaned_data["email"]
    if intake.rate_limited(scope="new_link", ip=ip, email=email):
        return _too_many(request)
    intake.status_link_send(email=email)
    intake.rate_count(scope="new_link", ip=ip, email=email)
    return render(request, "requests_app/new_link_sent.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Answer a form sent without a valid CSRF token with a plain 403 page (settings.CSRF_FAILURE_VIEW)."""
    logger.info("csrf failure on a public form")
    return render(request, "403_csrf.html", status=403)
