"""Property-based fuzzing of every public endpoint, discovered from the URLconf (issue 14, must-show).

Random paths, query strings and bodies (random bytes, foreign or unknown charsets, NUL bytes, lone
surrogates, huge fields, wrong content types, multipart without a boundary, file uploads) against each
endpoint: no answer is a 500, and no log line captured during the run holds a token or an e-mail address.
"""

from __future__ import annotations

import json
import logging
import os
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from consents import links as consent_links
from consents import services as consent_services
from subjects import links as request_links
from tests.factories import DataSubjectFactory

pytestmark = pytest.mark.django_db

SUBJECT_EMAIL = "fuzz.subject@example.com"
EXAMPLES_PER_ROUTE = 8  # x every public route: well under a minute on a loaded machine
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def public_routes() -> list[str]:
    """Every route of the URLconf outside the officers' admin, as patterns like 'requests/status/<str:token>/'."""
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith("admin/"):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                routes.append(route)

    walk(get_resolver().url_patterns, "")
    return routes


ROUTES = public_routes()

# Strings the attack run used: NULs, lone surrogates, Unicode digits, offsets past ±15:59, huge values.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "²", "١٢", "𝟗", "9" * 400,
                     "2026-03-05T15:00:00+16:00", "2026-03-05T15:00:00-23:59", "2026-13-45T99:99:99Z",
                     "fuzz.subject@example.com", "ANN@EXAMPLE.COM", "<script>alert(1)</script>", "%00", "..",
                     "x" * 5000]),
)
charsets = st.sampled_from(["", "utf-8", "utf-16", "latin-1", "koi8-r", "shift_jis", "no-such-charset", "utf-7"])


def _encode_path_value(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _body_strategy():
    fields = st.dictionaries(
        st.sampled_from(["email", "full_name", "country", "subdivision", "details", "age", "at", "purpose",
                         "declaration", "right", "relationship", "List-Unsubscribe", "website", "token",
                         "csrfmiddlewaretoken", "\x00", "purpose_marketing_email"]),
        nasty_text, max_size=6)
    return st.one_of(
        st.tuples(st.just("form"), fields, charsets),
        st.tuples(st.just("json"), st.one_of(fields, st.lists(nasty_text, max_size=3), nasty_text), charsets),
        st.tuples(st.just("raw"), st.binary(max_size=300), st.sampled_from([
            "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=",
            "application/json", "text/xml", "application/octet-stream", "", "text/plain; charset=utf-16"])),
        st.tuples(st.just("upload"), fields, st.binary(max_size=200)),
        st.tuples(st.just("huge"), st.sampled_from(["details", "email", "full_name"]), st.just(None)),
    )


def _send(client: Client, method: str, path: str, body) -> int:
    kind, payload, extra = body
    if method in ("GET", "HEAD"):
        return client.generic(method, path).status_code
    if kind == "form":
        encoded = "&".join(f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
                           for k, v in payload.items())
        content_type = "application/x-www-form-urlencoded" + (f"; charset={extra}" if extra else "")
        return client.generic(method, path, encoded.encode(), content_type=content_type).status_code
    if kind == "json":
        data = json.dumps(payload, ensure_ascii=True).encode()
        content_type = "application/json" + (f"; charset={extra}" if extra else "")
        return client.generic(method, path, data, content_type=content_type).status_code
    if kind == "raw":
        return client.generic(method, path, payload, content_type=extra).status_code
    if kind == "upload":
        files = {"authorization_document": SimpleUploadedFile("doc\x00.pdf", extra, "application/pdf"),
                 "attachment": SimpleUploadedFile("a.exe", extra, "application/x-msdownload")}
        clean = {k.replace("\x00", ""): v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
                 for k, v in payload.items()}
        return client.post(path, {**clean, **files}).status_code
    return client.post(path, {payload: "y" * 300_000}).status_code


@pytest.fixture
def valid_tokens(db) -> dict[str, str]:
    subject = DataSubjectFactory(email=SUBJECT_EMAIL, country="US", subdivision="CA")
    return {"status": request_links.status_token(subject),
            "preferences": consent_links.preferences_token(subject),
            "unsubscribe": consent_links.unsubscribe_token(subject)}


def test_discovery_finds_every_public_endpoint():
    assert {"requests/", "requests/status/<str:token>/", "requests/verify/<str:token>/",
            "privacy-choices/p/<str:token>/", "fulfilment/callback/<str:request_id>/",
            "fulfilment/package/<str:token>/", "api/consents/v1/permitted", ".well-known/gpc.json",
            "healthz", ""} <= set(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_no_input_on_a_public_endpoint_causes_a_500_or_leaks_into_logs(route, valid_tokens, caplog, settings):
    if os.environ.get("FUZZ_WITHOUT_GUARD"):  # to see the test fail: FUZZ_WITHOUT_GUARD=1 ./test.sh ...
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "BadInput" not in m]
    settings.RATELIMIT_ENABLE = False  # the fuzzer must reach the views, not the 429 page
    caplog.set_level(logging.DEBUG)
    _token, raw_api_token = consent_services.api_token_create(name="fuzz")
    secrets = [*valid_tokens.values(), raw_api_token, SUBJECT_EMAIL, "ANN@EXAMPLE.COM"]

    @hypothesis_settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(method=st.sampled_from(["GET", "POST", "PUT", "HEAD"]),
           param=st.one_of(nasty_text.filter(bool), st.sampled_from(list(valid_tokens.values()))),
           query=st.dictionaries(st.sampled_from(["email", "purpose", "age", "at", "country", "c", "next", "\x00"]),
                                 nasty_text, max_size=4),
           body=_body_strategy(), gpc=st.booleans(), authorized=st.booleans())
    # The causes of the 500s the attack run found, always tried on every route besides the random ones.
    @example(method="POST", param="a\x00b", query={"email": "\x00"}, body=("json", {"status": "x\ud800"}, ""),
             gpc=False, authorized=True)
    @example(method="POST", param="\x00", query={}, body=("form", {"email": "a@b.example", "age": "²"}, "koi8-r"),
             gpc=True, authorized=True)
    @example(method="POST", param="t", query={"at": "2026-03-05T15:00:00+16:00", "age": "²"},
             body=("raw", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1", "multipart/form-data"),
             gpc=False, authorized=True)
    @example(method="GET", param="\ud800", query={"at": "2026-03-05T15:00:00+16:00", "age": "\u00b2", "email": "a@b.co",
                                                    "purpose": "marketing_email"},
             body=("huge", "details", None), gpc=True, authorized=True)
    def run(method, param, query, body, gpc, authorized) -> None:
        path = "/" + PARAM.sub(lambda _m: _encode_path_value(param), route)
        if query:
            path += "?" + "&".join(f"{_encode_path_value(k)}={_encode_path_value(v)}" for k, v in query.items())
        headers = {"HTTP_SEC_GPC": "1"} if gpc else {}
        if authorized:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_api_token}"
        client = Client(raise_request_exception=True, **headers)
        status = _send(client, method, path, body)
        # /healthz answers 503 by design when beat is stale; nothing answers 500.
        assert status < 500 or (route == "healthz" and status == 503), (route, method, status)

    run()
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    leaked = [secret for secret in secrets if secret in logged]
    assert not leaked, leaked
