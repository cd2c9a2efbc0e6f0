from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from medprivacy import health
from requests_app.links import ccpa_homepage_links


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"ccpa_links": ccpa_homepage_links()})
