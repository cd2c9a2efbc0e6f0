"""Public pages of the requests app: the request form, verification, the status page. Thin: forms check
the input, services in `requests_app.services.intake` do the writes, selectors the reads.

Bad input never gets a 500: invalid forms come back filled in with status 400, a bad or expired link gets
one page (404) that says so without revealing whether an address is known, too many submissions get 429
(security.ratelimit).
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
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medprivacy.languages import language_active
from medprivacy.views import erased_page
from regimes import deadlines, statements
from requests_app import selectors
from requests_app.forms import ConfirmationForm, IntakeForm, NewLinkForm, ResidenceForm
from requests_app.links import ccpa_homepage_links
from requests_app.models import ConsumerConfirmation
from requests_app.services import compliance, conversation, intake
from requests_app.workflow import IllegalTransition
from security import ratelimit
from subjects import links
from subjects.models import DataSubject
from subjects.selectors import subject_is_erased

logger = logging.getLogger(__name__)

SUBMITTED_SALT = "medprivacy.intake-submitted"
SUBMITTED_MAX_AGE = dt.timedelta(days=1)


def _private(response: HttpResponse) -> HttpResponse:
    """Keep pages reached through a secret link out of search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "requests_app/link_invalid.html", status=404))


def _with_deadline_statements(cases: list) -> list:
    """Give each case the sentence saying how long the law gives us (from the rules table, in the page's language)."""
    for dsr in cases:
        try:
            rule = deadlines.rule_for(dsr.regime, dsr.right)
        except deadlines.UnknownRuleError:
            dsr.deadline_statement = ""
            continue
        dsr.deadline_statement = statements.deadline_statement(rule, gettext=gettext, ngettext=ngettext)
    return cases


def _render_form(request: HttpRequest, form: IntakeForm, status: int = 200) -> HttpResponse:
    return render(request, "requests_app/request_form.html", {"form": form}, status=status)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public homepage, with the links the CCPA requires (titles from the rules table)."""
    return render(request, "home.html", {"ccpa_links": ccpa_homepage_links()})


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
            # A link from a decision notice (?appeal=DSR-…) opens the form ready to appeal that decision.
            appeal = request.GET.get("appeal", "").strip()[:20]
            initial = {"rights": ["appeal"], "appeal_reference": appeal} if appeal else None
            form = IntakeForm(country=residence.cleaned_data["country"],
                              subdivision=residence.cleaned_data["subdivision"], initial=initial)
            # A link may tick one right in advance (the homepage's "Do Not Sell or Share…" link does).
            wanted = request.GET.get("right", "")
            if wanted in dict(form.fields["rights"].choices):
                form.initial["rights"] = [wanted]
            # A pre-use notice's opt-out link names its automated system too.
            system = request.GET.get("system", "")
            if system.isdecimal() and len(system) < 10 and int(system) in dict(form.fields["admt_system"].choices):
                form.initial["admt_system"] = int(system)
            return _render_form(request, form)
        return render(request, "requests_app/residence.html", {"form": residence}, status=400)
    initial = {key: request.GET.get(key, "") for key in ("country", "subdivision")} if changing else None
    return render(request, "requests_app/residence.html", {"form": ResidenceForm(initial=initial)})


def _request_form_post(request: HttpRequest) -> HttpResponse:
    if request.POST.get("website"):
        # A bot filled the hidden field: answer like a success and keep nothing.
        ratelimit.rate_limit_enforce(request, scope="intake.submit.ip")
        logger.info("intake: honeypot submission discarded")
        return redirect("requests_app:request_submitted")
    residence = ResidenceForm(request.POST)
    if not residence.is_valid():
        return render(request, "requests_app/residence.html", {"form": residence}, status=400)
    form = IntakeForm(request.POST, request.FILES, country=residence.cleaned_data["country"],
                      subdivision=residence.cleaned_data["subdivision"])
    if not form.is_valid():
        return _render_form(request, form, status=400)
    # Counted once the form is valid (a typo does not use up the allowance), atomically per client and
    # per address before anything is written, in one round trip to the cache.
    address = ratelimit.email_key(form.cleaned_data["email"])
    ratelimit.rate_limit_enforce_all(request, [("intake.submit.ip", None), ("intake.submit.email", address)])
    try:
        # The language the form was shown in (LocaleMiddleware: the switcher, else Accept-Language).
        result = intake.submission_create(**form.service_arguments(), language=language_active())
    except intake.IntakeRejected as exc:
        for field, message in exc.problems.items():
            form.add_error(field if field in form.fields else None, message)
        return _render_form(request, form, status=400)
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
    cases = _with_deadline_statements(list(submission.cases.all()) if submission is not None else [])
    return _private(render(request, "requests_app/submitted.html", {
        "submission": submission, "cases": cases,
        "link_days": settings.MEDPRIVACY_VERIFICATION_LINK_DAYS,
        "awaiting": any(dsr.status == "awaiting_verification" for dsr in cases),
    }))


@never_cache
@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Use a verification link, then show the status page (GET only: HEAD probes do not use it up)."""
    ratelimit.rate_limit_enforce(request, scope="intake.verify")
    try:
        submission = intake.verification_consume(token=token)
    except intake.LinkInvalid as exc:
        logger.info("intake: verification link refused (%s)", exc.reason)
        return _link_invalid(request)
    messages.success(request, _("Thank you: your e-mail address is confirmed."))
    return redirect("requests_app:status", token=links.status_token(submission.subject))


def _status_subject_id(token: str) -> int | None:
    try:
        data = signing.loads(token, salt=links.STATUS_SALT,
                             max_age=dt.timedelta(days=settings.MEDPRIVACY_STATUS_LINK_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return data["s"]


def _status_subject(token: str) -> DataSubject | None:
    """Return the data subject a status token names, or None for a bad, expired or erased one."""
    subject_id = _status_subject_id(token)
    return selectors.public_subject_get(subject_id=subject_id) if subject_id is not None else None


def _status_link_refused(request: HttpRequest, token: str) -> HttpResponse:
    subject_id = _status_subject_id(token)
    if subject_id is not None and subject_is_erased(subject_id=subject_id):
        return erased_page(request)
    return _link_invalid(request)


def _requester_language(request: HttpRequest, subject: DataSubject) -> None:
    """Show the status page in the language of the requester's latest request, unless this browser chose
    one with the language switcher (Django's language cookie)."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return
    language = selectors.public_subject_language(subject=subject)
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _render_status(request: HttpRequest, token: str, subject: DataSubject, *, status: int = 200,
                   confirm_error: str = "", reply_error: str = "", reply_reference: str = "") -> HttpResponse:
    _requester_language(request, subject)
    confirmed = intake.status_confirmed(session=request.session, subject=subject)
    cases = _with_deadline_statements(list(selectors.public_cases_for_subject(subject=subject)))
    # The conversation only, and only once the e-mail address is re-confirmed in this browser.
    threads = selectors.public_threads_for_subject(subject=subject) if confirmed else {}
    for dsr in cases:
        dsr.conversation = threads.get(dsr.pk, [])
    return _private(render(request, "requests_app/status.html", {
        "token": token, "cases": cases,
        "confirmed": confirmed, "confirm_error": confirm_error,
        "reply_error": reply_error, "reply_reference": reply_reference,
        "max_files": conversation.MAX_REPLY_FILES,
        "max_file_mb": conversation.MAX_REPLY_FILE_BYTES // (1024 * 1024),
    }, status=status))


@never_cache
@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The requester's page: their cases, status, due dates, the conversation (after re-confirming the e-mail
    address) with a reply form; withdraw buttons."""
    subject = _status_subject(token)
    if subject is None:
        logger.info("intake: status link refused")
        return _status_link_refused(request, token)
    return _render_status(request, token, subject)


@never_cache
@require_POST
def status_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Re-confirm the e-mail address (as the package download does) to read and answer the conversation."""
    subject = _status_subject(token)
    if subject is None:
        return _status_link_refused(request, token)
    try:
        intake.status_email_confirm(request=request, subject=subject, email=request.POST.get("email", ""))
    except intake.ConfirmRefused as exc:
        return _render_status(request, token, subject, status=exc.status, confirm_error=str(exc))
    return redirect(f"{reverse('requests_app:status', args=[token])}#conversation")


@never_cache
@require_POST
def status_reply(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    """Answer on one case's conversation: text and up to a few checked files."""
    subject = _status_subject(token)
    dsr = selectors.public_case_for_subject(subject=subject, reference=reference) if subject else None
    if dsr is None:
        return _link_invalid(request)
    if not intake.status_confirmed(session=request.session, subject=subject):
        return _render_status(request, token, subject, status=403,
                              confirm_error=_("Confirm your e-mail address first, then send your message again."))
    try:
        conversation.case_requester_reply(dsr=dsr, text=request.POST.get("body", ""),
                                          files=request.FILES.getlist("files"))
    except conversation.ThreadRefused as exc:
        return _render_status(request, token, subject, status=400, reply_error=str(exc), reply_reference=reference)
    messages.success(request, _("Your message about %(reference)s was sent to our privacy office.")
                     % {"reference": dsr.reference})
    return redirect(f"{reverse('requests_app:status', args=[token])}#{dsr.reference}")


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    """Ask to confirm (GET), then withdraw (POST, with CSRF) one of the requester's open cases."""
    subject = _status_subject(token)
    dsr = selectors.public_case_for_subject(subject=subject, reference=reference) if subject else None
    if dsr is None:
        return _status_link_refused(request, token)
    if not dsr.is_open:
        return _private(render(request, "requests_app/withdraw.html", {"token": token, "dsr": dsr, "closed": True},
                               status=409))
    if request.method == "GET":
        return _private(render(request, "requests_app/withdraw.html", {"token": token, "dsr": dsr}))
    ratelimit.rate_limit_enforce(request, scope="intake.withdraw")
    try:
        intake.case_withdraw_by_requester(dsr=dsr)
    except IllegalTransition:  # closed by an officer between the two clicks
        dsr.refresh_from_db()
        return _private(render(request, "requests_app/withdraw.html", {"token": token, "dsr": dsr, "closed": True},
                               status=409))
    messages.success(request, _("Request %(reference)s is withdrawn. We have sent you a confirmation by e-mail.")
                     % {"reference": dsr.reference})
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
    email = form.cleaned_data["email"]
    ratelimit.rate_limit_enforce_all(request, [("intake.new_link.ip", None),
                                               ("intake.new_link.email", ratelimit.email_key(email))])
    intake.status_link_send(email=email)
    return render(request, "requests_app/new_link_sent.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Answer a form sent without a valid CSRF token with a plain 403 page (settings.CSRF_FAILURE_VIEW)."""
    logger.info("csrf failure on a public form")
    return render(request, "403_csrf.html", status=403)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Sign the declaration or confirm an agent: show what is asked (GET), record the answer once (POST).

    An unknown, used or expired link is a 404 with the same page as a bad verification link.
    """
    try:
        row = compliance.confirmation_for_token(token=token)
    except compliance.ConfirmationInvalid:
        logger.info("compliance: confirmation link refused")
        return _link_invalid(request)
    needs_signature = row.kind == ConsumerConfirmation.Kind.DECLARATION
    form = ConfirmationForm(request.POST or None, needs_signature=needs_signature)
    context = {"row": row, "form": form, "reference": row.case.reference, "needs_signature": needs_signature}
    if request.method == "POST":
        if not form.is_valid():
            return _private(render(request, "requests_app/confirm.html", context, status=400))
        try:
            compliance.confirmation_answer(token=token, confirmed=form.cleaned_data["answer"] == "yes",
                                           signed_name=form.cleaned_data.get("signed_name", ""))
        except compliance.ConfirmationInvalid:
            return _link_invalid(request)
        except ValueError as exc:
            form.add_error(None, str(exc))
            return _private(render(request, "requests_app/confirm.html", context, status=400))
        return _private(render(request, "requests_app/confirm_done.html", context))
    return _private(render(request, "requests_app/confirm.html", context))
