from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


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
