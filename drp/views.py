"""The consumer's page behind a DRP request's user_verification_url (spec §3.02.1). Thin over services.

The agent opens it for the consumer with `request_id` and `redirect_to` parameters. The page never shows
personal data beyond a masked e-mail address; the consumer proves control of the address by opening the
e-mailed link (the portal's own verification), never on this page, so the agent cannot verify for them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from drp import selectors, services
from requests_app.workflow import Status
from security import ratelimit


def _safe_redirect(value: str) -> str:
    """Offer the agent's redirect_to only when it is an https URL (never javascript: or the like)."""
    parts = urlsplit(value or "")
    return value if parts.scheme == "https" and parts.hostname else ""


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "drp/verify.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, request_id) -> HttpResponse:  # noqa: ANN001 - a UUID from the URL converter
    """Explain what the consumer must do and send them a new verification link on request."""
    drp = selectors.drp_request_public(request_id)
    named = request.GET.get("request_id") or request.POST.get("request_id")
    if drp is None or (named and named != str(request_id)):
        return _page(request, {"problem": _("This verification link does not match a request. Go back to the "
                                            "app you made the request with and try again.")}, status=404)
    redirect_to = _safe_redirect(request.GET.get("redirect_to") or request.POST.get("redirect_to", ""))
    context = {"drp": drp, "dsr": drp.case, "masked_email": drp.submission.subject.masked_email,
               "redirect_to": redirect_to, "request_id": str(request_id),
               "waiting": drp.case.status == Status.AWAITING_VERIFICATION, "sent": False}
    if request.method == "POST" and context["waiting"]:
        email_key = ratelimit.email_key(drp.submission.subject.email)
        if (ratelimit.rate_limit_hit(request, scope="intake.new_link.ip").limited
                or ratelimit.rate_limit_hit(request, scope="intake.new_link.email", value=email_key).limited):
            return _page(request, {**context, "problem": _("Too many links were asked for this hour; please "
                                                           "try again later.")}, status=429)
        services.drp_verification_link_send(drp=drp)
        context["sent"] = True
    return _page(request, context)
