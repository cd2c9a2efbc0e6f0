from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers


class DisplayTimeZoneMiddleware:
    """Show instants in the officers' configured time zone; storage stays UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.zone = zoneinfo.ZoneInfo(settings.DISPLAY_TIME_ZONE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(self.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


LANGUAGE_QUERY_PARAMETER = "lang"


def language_from_query(request: HttpRequest) -> str | None:
    """Return the supported language a `?lang=` parameter names, or None (unknown values are ignored)."""
    wanted = request.GET.get(LANGUAGE_QUERY_PARAMETER, "")
    if not wanted or len(wanted) > 16:
        return None
    try:
        return translation.get_supported_language_variant(wanted)
    except LookupError:
        return None


def _language_from_cookie(request: HttpRequest) -> str | None:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if not chosen or len(chosen) > 16:
        return None
    try:
        return translation.get_supported_language_variant(chosen)
    except LookupError:
        return None


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware: the language chosen with the switcher (its cookie) first, then a `?lang=`
    parameter (the hreflang alternates of a page are its own URL with `?lang=es`, `?lang=de`), then the
    browser's Accept-Language."""

    def process_request(self, request: HttpRequest) -> None:
        language = language_from_query(request)
        if language is None or _language_from_cookie(request) is not None:
            super().process_request(request)
            return
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        patch_vary_headers(response, ("Cookie",))  # the switcher's choice lives in a cookie
        return response
