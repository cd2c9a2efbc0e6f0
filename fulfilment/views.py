"""Public fulfilment endpoints: systems' signed callbacks, and the requester's package download page.

Thin: each view checks the input's shape and calls one service. No personal data or request contents
are logged; every bad input gets a clear message and a 4xx status.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from fulfilment import connectors, packages
from fulfilment import services as fulfilment
from medprivacy.views import erased_page
from security import ratelimit

_MAX_CALLBACK_BYTES = 5 * 1024 * 1024


@csrf_exempt  # authenticated by the HMAC signature, not a browser session
@require_POST
def callback(request: HttpRequest, request_id: str) -> JsonResponse:
    """Receive a system's late result for the task `request_id` (docs/fulfilment-webhook.md)."""
    ratelimit.rate_limit_enforce(request, scope="fulfilment.callback")
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit():
        return JsonResponse({"error": "The Content-Length header is not a number."}, status=400)
    if int(length) > _MAX_CALLBACK_BYTES:
        return JsonResponse({"error": "The body is too large."}, status=413)
    header_id = request.headers.get(connectors.REQUEST_ID_HEADER)
    if header_id is not None and header_id != request_id:
        return JsonResponse({"error": "The request id header does not match the URL."}, status=400)
    answer = fulfilment.fulfilment_callback_receive(
        request_id=request_id, timestamp=request.headers.get(connectors.TIMESTAMP_HEADER),
        signature=request.headers.get(connectors.SIGNATURE_HEADER), body=request.body,
    )
    key = "ok" if answer.status == 200 else "error"
    return JsonResponse({key: answer.message}, status=answer.status)


@never_cache
@require_http_methods(["GET", "POST"])
def package_download(request: HttpRequest, token: str) -> HttpResponse:
    """Show the e-mail confirmation form; on a matching e-mail, stream the package (never a public URL)."""
    try:
        package = packages.package_from_token(token)
    except packages.PackageUnavailable as exc:
        if exc.subject_erased:
            return erased_page(request)
        return render(request, "fulfilment/package_unavailable.html", {"message": str(exc)},
                      status=exc.status)
    context = {"package": package, "error": ""}
    if request.method == "POST":
        email = request.POST.get("email", "")
        if not email.strip():
            context["error"] = _("Enter the e-mail address you made the request with.")
            return render(request, "fulfilment/package_download.html", context, status=400)
        # Every confirmation attempt counts, atomically, per client (not per link): a stranger's guesses
        # lock out the stranger, never the requester.
        if ratelimit.rate_limit_hit(request, scope="packages.email_attempts").limited:
            return render(request, "fulfilment/package_unavailable.html", {
                "message": _("Too many wrong e-mail addresses were entered from your connection. "
                             "Try again in 15 minutes.")}, status=429)
        try:
            packages.access_package_download(package=package, email=email)
        except packages.EmailMismatch as exc:
            context["error"] = str(exc)
            return render(request, "fulfilment/package_download.html", context, status=403)
        except packages.PackageUnavailable as exc:
            return render(request, "fulfilment/package_unavailable.html", {"message": str(exc)},
                          status=exc.status)
        response = FileResponse(package.file.open("rb"), as_attachment=True,
                                filename=f"{package.case.reference}-your-data.zip", content_type="application/zip")
        return response
    return render(request, "fulfilment/package_download.html", context)
