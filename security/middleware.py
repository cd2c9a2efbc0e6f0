"""Request guards of the platform: unreadable input gets a 400, anonymous writes are rate limited, staff
accounts give their second factor, every response carries a Permissions-Policy."""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from security import ratelimit, twofactor
from security.views import bad_input, rate_limited

logger = logging.getLogger(__name__)

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Charsets a form body may declare: Python decodes them all, and they are what browsers send.
_FORM_CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}


class BadInput(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _unstorable(text: str) -> str | None:
    """Return why `text` cannot be stored (NUL byte, lone surrogate), or None."""
    if "\x00" in text:
        return gettext("it contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return gettext("it contains a lone surrogate (not valid Unicode)")
    return None


def _check_strings(values: Iterable[str], where: str) -> None:
    for value in values:
        problem = _unstorable(value)
        if problem:
            raise BadInput(gettext("The %(where)s cannot be read: %(problem)s.") % {"where": gettext(where),
                                                                                      "problem": problem})


def _walk_json(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk_json(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_json(item)


def check_request(request: HttpRequest) -> None:
    """Raise BadInput when the path, query string or body cannot be read as the text it claims to be."""
    _check_strings([request.path_info], gettext_noop("address (path)"))
    _check_strings([*request.GET.keys(), *(v for values in request.GET.lists() for v in values[1])],
                   gettext_noop("query string"))
    if request.method in _SAFE_METHODS:
        return
    content_type = (request.content_type or "").lower()
    charset = (request.content_params or {}).get("charset", "").strip().lower()
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise BadInput(gettext("The body declares an unknown charset (%(charset)s); send UTF-8.")
                           % {"charset": charset[:40]}) from None
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if charset and charset not in _FORM_CHARSETS:
            raise BadInput(gettext("Form data must be sent as UTF-8."))
        if content_type == "multipart/form-data" and not request.content_params.get("boundary"):
            raise BadInput(gettext("The multipart body has no boundary in its Content-Type header."))
        try:
            post, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise BadInput(gettext("The request body is too large.")) from None
        except (MultiPartParserError, UnicodeDecodeError, ValueError) as exc:
            raise BadInput(gettext("The form body cannot be read (%(error)s).")
                           % {"error": type(exc).__name__}) from None
        _check_strings([*post.keys(), *(v for values in post.lists() for v in values[1])], gettext_noop("form"))
        _check_strings([f.name or "" for f in files.values()], gettext_noop("uploaded file name"))
        return
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadInput(gettext("The request body is too large."), status=413) from None
    if content_type.endswith("json") or content_type.endswith("+json"):
        if b"\x00" in body:
            raise BadInput(gettext("The JSON body contains a NUL byte."))
        try:
            data = json.loads(body.decode(charset or "utf-8")) if body.strip() else None
        except (ValueError, UnicodeDecodeError, LookupError):
            return  # the view says what is wrong with its JSON
        _check_strings(_walk_json(data), "JSON body")


class BadInputMiddleware:
    """Answer unreadable input (NUL bytes, lone surrogates, unknown charsets, broken multipart) with 400.

    Runs before CSRF and the views, so no view ever meets a body it cannot decode or a string the
    database cannot store. As a last line, a database DataError raised by input on a public page
    (e.g. a value PostgreSQL cannot represent) is a 400 too, never a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except BadInput as exc:
            logger.info("bad input refused: %s %s", request.method, exc.message)
            return bad_input(request, exc.message, exc.status)
        except SuspiciousOperation:
            raise  # Django answers 400 itself (too many fields, bad host)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError | UnicodeEncodeError | MultiPartParserError):
            logger.warning("input the database cannot store was refused: %s", type(exception).__name__)
            return bad_input(request, gettext("A value in the request cannot be stored; check it and try again."))
        if isinstance(exception, RawPostDataException):  # a form body sent to an endpoint that reads JSON
            return bad_input(request, gettext("This endpoint reads a JSON body (Content-Type: application/json), "
                                              "not a form."))
        return None


class AnonymousWriteRateLimitMiddleware:
    """Count every anonymous write (any method but GET/HEAD/OPTIONS) against one per-client allowance.

    Views add narrower scopes (per e-mail address, per form) through the same `security.ratelimit`. The
    machine APIs (MEDPRIVACY_RATE_OWN_SCOPE_PATHS: the DRP and consent APIs) count under their own scopes
    instead (per agent, per token's client, per address before authentication): an agent filing many
    requests for many consumers is not one browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in _SAFE_METHODS and not request.path.startswith(
                tuple(settings.MEDPRIVACY_RATE_OWN_SCOPE_PATHS)):
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                try:
                    ratelimit.rate_limit_enforce(request, scope="public.write")
                except ratelimit.RateLimited as exc:
                    return rate_limited(request, exc)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header (settings.MEDPRIVACY_PERMISSIONS_POLICY) on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = ", ".join(f"{feature}=({' '.join(allow)})"
                               for feature, allow in settings.MEDPRIVACY_PERMISSIONS_POLICY.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.value)
        return response


class TwoFactorRequiredMiddleware:
    """Send a staff user who must use a second factor, and has not in this session, to the 2FA pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and request.path.startswith("/admin/")
                and not request.path.startswith(twofactor.EXEMPT_PREFIXES)
                and twofactor.second_factor_missing(user)):
            name = "admin:security_verify" if twofactor.has_device(user) else "admin:security_setup"
            return redirect(f"{reverse(name)}?next={request.path}")
        return self.get_response(request)
