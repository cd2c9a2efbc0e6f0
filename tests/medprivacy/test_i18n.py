"""The page's language: Accept-Language, the switcher (a plain POST form, no JavaScript) and its cookie,
`?lang=` (the hreflang alternates), `<html lang>`; country names in the page's language with the stored
codes unchanged; and no header, cookie or switcher post ever answers a 500."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from requests_app.residence import COUNTRY_NAMES, country_choices, residence_label, us_region_choices

pytestmark = pytest.mark.django_db

HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def html_lang(response) -> str:
    return HTML_LANG.search(response.content.decode()).group(1)


@pytest.mark.parametrize(("header", "language", "heading"), [
    ("es-US,es;q=0.9,en;q=0.5", "es", "Sus opciones de privacidad"),
    ("de-DE,de;q=0.9", "de", "Ihre Datenschutzoptionen"),
    ("fr-FR,fr;q=0.9", "en", "Your privacy choices"),
    ("", "en", "Your privacy choices"),
])
def test_accept_language_chooses_the_page_language(client, header, language, heading):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert html_lang(response) == language
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_the_switcher_is_a_plain_form_that_sets_the_language_and_returns_to_the_same_page(client):
    page = client.get("/requests/?country=US&subdivision=CA", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = re.search(r'<form class="language-switcher" method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form, "no language switcher"
    action, body = form.groups()
    assert action == "/i18n/setlang/"
    assert '<button type="submit">Change language</button>' in body and "<script" not in page
    assert "csrfmiddlewaretoken" not in body  # pages stay identical for everyone (see medprivacy/urls.py)
    assert 'name="next"' not in body  # set_language returns to the Referer: no page repeats its own address
    assert re.search(r'<option value="es" lang="es">Español</option>', body)

    response = client.post(action, {"language": "es"}, HTTP_ACCEPT_LANGUAGE="en",
                           HTTP_REFERER="http://testserver/requests/?country=US&subdivision=CA")
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/requests/?country=US&subdivision=CA"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    again = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")  # the choice beats the browser's
    assert html_lang(again) == "es"
    assert "Haga una solicitud de privacidad" in again.content.decode() or \
        "Hacer una solicitud de privacidad" in again.content.decode()


def test_a_switch_to_an_unknown_language_or_an_outside_page_changes_nothing_harmful(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code in (204, 302)
    if response.status_code == 302:
        assert not response["Location"].startswith("https://evil.example")
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies or \
        client.cookies[settings.LANGUAGE_COOKIE_NAME].value in ("en", "es", "de")


def test_every_page_names_its_alternates_with_hreflang(client):
    page = client.get("/requests/?country=DE", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([a-z]+)" href="([^"]+)">', page))
    assert set(alternates) == {"en", "es", "de"}
    assert alternates["es"] == "http://testserver/requests/?country=DE&amp;lang=es"
    spanish = client.get("/requests/?country=DE&lang=es", HTTP_ACCEPT_LANGUAGE="de")
    assert html_lang(spanish) == "es"
    assert "Alemania" in spanish.content.decode()
    client.post("/i18n/setlang/", {"language": "de"})  # a visitor's own choice beats the alternate's
    assert html_lang(client.get("/requests/?country=DE&lang=es")) == "de"


def test_pages_behind_a_secret_link_do_not_repeat_their_address(client):
    page = client.get("/requests/verify/some-secret-token/").content.decode()
    assert "some-secret-token" not in page and 'rel="alternate"' not in page


def test_country_names_follow_the_language_and_the_codes_stay_iso():
    with translation.override("de"):
        german = dict(country_choices())
        assert residence_label("US", "CA") == "Kalifornien, Vereinigte Staaten"
        assert dict(us_region_choices())["CA"] == "Kalifornien"
    with translation.override("es"):
        spanish = dict(country_choices())
        assert residence_label("DE") == "Alemania"
    with translation.override("en"):
        english = dict(country_choices())
        assert residence_label("US", "CA") == "California, United States"
    assert set(german) == set(spanish) == set(english) == set(COUNTRY_NAMES)
    assert len(COUNTRY_NAMES) == 249 and all(re.fullmatch(r"[A-Z]{2}", code) for code in COUNTRY_NAMES)
    assert german["DE"] == "Deutschland" and spanish["US"] == "Estados Unidos"
    assert len(dict(us_region_choices())) == 56  # 50 states, DC and five inhabited territories


def test_a_spanish_request_stores_the_same_codes_as_an_english_one(client):
    page = client.get("/requests/?country=US&subdivision=CA", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "California, Estados Unidos" in page
    assert 'name="country" value="US"' in page and 'name="subdivision" value="CA"' in page


_headers = st.one_of(st.text(max_size=200), st.lists(
    st.tuples(st.sampled_from(["es", "de", "en", "es-US", "de-AT", "*", "zz", "x-pseudo", "", "ü"]),
              st.floats(min_value=-1, max_value=2)), max_size=6).map(
        lambda items: ",".join(f"{lang};q={q}" for lang, q in items)))
_values = st.text(max_size=60)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=_headers, cookie=_values, lang=_values, language=_values, next_url=_values)
def test_no_language_input_produces_a_500(header, cookie, lang, language, next_url):
    client = Client(raise_request_exception=False)
    safe_header = header.encode("latin-1", "replace").decode("latin-1")
    # What a server can hand over: latin-1 text (WSGI), without the characters that end a cookie.
    safe_cookie = "".join(ch for ch in cookie if ch.isprintable() and ord(ch) < 256 and ch not in ";,\" \\")
    if safe_cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = safe_cookie
    page = client.get("/", {"lang": lang}, HTTP_ACCEPT_LANGUAGE=safe_header)
    assert page.status_code < 500
    if page.status_code == 200:
        assert html_lang(page) in ("en", "es", "de")
    switch = client.post("/i18n/setlang/", {"language": language, "next": next_url},
                         HTTP_ACCEPT_LANGUAGE=safe_header)
    assert switch.status_code < 500


def test_the_name_lists_are_built_once_per_language_and_a_caller_cannot_change_them():
    with translation.override("de"):
        first = country_choices()
        first.clear()  # a caller's own copy
        assert dict(country_choices())["DE"] == "Deutschland"
        assert dict(us_region_choices())["CA"] == "Kalifornien"
    with translation.override("en"):
        assert dict(country_choices())["DE"] == "Germany"
