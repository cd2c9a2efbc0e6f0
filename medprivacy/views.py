from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from medprivacy import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)


def erased_page(request: HttpRequest) -> HttpResponse:
    """What every link of a person whose data was erased shows: a clear "no longer available" (410 Gone)."""
    response = render(request, "erased.html", status=410)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
