"""Global Privacy Control: honor `Sec-GPC: 1` on the public site (CCPA regs §7025)."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from consents import selectors, services
from security import ratelimit

logger = logging.getLogger(__name__)

# Officers' pages, machine endpoints and static files are not the public site.
_NOT_PUBLIC = ("/admin/", "/api/", "/static/", "/healthz", "/.well-known/")
_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def gpc_present(http_request: HttpRequest) -> bool:
    """Return whether the request carries the signal: exactly "1"; any other value is ignored."""
    return http_request.headers.get("Sec-GPC") == "1"


class GlobalPrivacyControlMiddleware:
    """Honor the signal on every public request; record it once per browser, never per request.

    The browser is known by a first-party cookie id, set when missing. A request without that cookie
    (a first visit, a cookie-less client or script) is honored for that response but writes no ledger
    row: there is no browser to attach a record to, and no law asks for a row per anonymous request
    (docs/consents.md, "GPC"). From the next request the cookie names the browser and the opt-out is
    recorded once per purpose; later requests change nothing. Rows per client are rate limited, so a
    script minting cookie ids cannot fill the ledger. Absence of the signal is never an opt-in. Views
    that know the person (a valid signed link) also record the opt-out for that person.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.gpc = gpc_present(request) and not request.path.startswith(_NOT_PUBLIC)
        new_browser_id = ""
        if request.gpc:
            browser_id = request.COOKIES.get(settings.MEDPRIVACY_BROWSER_ID_COOKIE, "")
            if not _BROWSER_ID.match(browser_id):
                browser_id = new_browser_id = secrets.token_urlsafe(24)
            request.browser_id = browser_id
            if not new_browser_id:
                self._record(request, browser_id)
        response = self.get_response(request)
        if not request.path.startswith(_NOT_PUBLIC):
            patch_vary_headers(response, ("Sec-GPC",))  # the page says whether the signal was honored
        if new_browser_id:
            response.set_cookie(settings.MEDPRIVACY_BROWSER_ID_COOKIE, new_browser_id, max_age=2 * 365 * 24 * 3600,
                                httponly=True, secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")
        return response

    def _record(self, request: HttpRequest, browser_id: str) -> None:
        if selectors.browser_gpc_recorded(browser_id=browser_id):
            return  # recorded before: nothing changes, nothing is counted
        if ratelimit.rate_limit_hit(request, scope="consents.gpc").limited:
            logger.info("GPC opt-out honored but not recorded: rate limit reached")
            return
        try:
            services.consent_gpc_browser(browser_id=browser_id, evidence=services.evidence_from_request(request))
        except DatabaseError:
            # The page must still render; the signal is recorded again on the next request.
            logger.exception("GPC opt-out for a browser could not be recorded")
