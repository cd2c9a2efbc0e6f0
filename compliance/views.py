"""The public page where a consumer signs the declaration or confirms an agent (one link, one answer)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from compliance import services
from compliance.forms import ConfirmationForm
from compliance.models import ConsumerConfirmation

logger = logging.getLogger(__name__)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Show what is asked (GET) and record the answer once (POST); 404 for an unknown, used or expired link."""
    try:
        row = services.confirmation_for_token(token=token)
    except services.ConfirmationInvalid:
        logger.info("compliance: confirmation link refused")
        return _private(render(request, "requests_app/link_invalid.html", status=404))
    needs_signature = row.kind == ConsumerConfirmation.Kind.DECLARATION
    form = ConfirmationForm(request.POST or None, needs_signature=needs_signature)
    context = {"row": row, "form": form, "reference": row.case.reference, "needs_signature": needs_signature}
    if request.method == "POST":
        if not form.is_valid():
            return _private(render(request, "compliance/confirm.html", context, status=400))
        try:
            services.confirmation_answer(token=token, confirmed=form.cleaned_data["answer"] == "yes",
                                         signed_name=form.cleaned_data.get("signed_name", ""))
        except services.ConfirmationInvalid:
            return _private(render(request, "requests_app/link_invalid.html", status=404))
        except ValueError as exc:
            form.add_error(None, str(exc))
            return _private(render(request, "compliance/confirm.html", context, status=400))
        return _private(render(request, "compliance/confirm_done.html", context))
    return _private(render(request, "compliance/confirm.html", context))
