"""Public pages: asking for a link, the preference center, one-click unsubscribe, GPC, gpc.json."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.urls import reverse

from consents import links, selectors, services
from consents.models import ConsentEvent, ConsentState, Kind, Source
from consents.services import Evidence
from outbox import services as outbox
from outbox.models import Message
from tests.factories import DataSubjectFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db

GPC_NOTICE = "Opt-out preference signal honored"


def _path(url: str) -> str:
    return url.removeprefix(settings.SITE_URL)


# --- Asking for a link ---------------------------------------------------------------------------------

def test_asking_for_a_link_sends_one_to_a_known_address(client, django_capture_on_commit_callbacks, frozen):
    subject = DataSubjectFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("consents:request_link"), {"email": "  Ada@Example.com "})
    assert response.status_code == 200
    assert b"If we know this address" in response.content
    message = Message.objects.get(stream=Message.Stream.CONSENT)
    assert message.data_subject == subject and message.to_email == "ada@example.com"
    assert _path(links.preferences_url(subject)) in message.body_text
    assert len(callbacks) == 1  # delivery is queued only after commit


def test_asking_for_an_unknown_address_answers_the_same_and_sends_nothing(client):
    DataSubjectFactory(email="ada@example.com")
    known = client.post(reverse("consents:request_link"), {"email": "ada@example.com"})
    unknown = client.post(reverse("consents:request_link"), {"email": "nobody@example.com"})
    assert unknown.status_code == known.status_code == 200
    assert unknown.content.replace(b"\n", b"") == known.content.replace(b"\n", b"")
    assert Message.objects.filter(stream=Message.Stream.CONSENT).count() == 1


def test_a_malformed_address_gets_a_400_with_the_form(client):
    response = client.post(reverse("consents:request_link"), {"email": "not an address"})
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert not Message.objects.filter(stream=Message.Stream.CONSENT).exists()


def test_links_per_address_are_limited(client, settings):
    settings.MEDPRIVACY_PREFERENCE_LINKS_PER_EMAIL_PER_HOUR = 2
    DataSubjectFactory(email="ada@example.com")
    for _ in range(4):
        assert client.post(reverse("consents:request_link"), {"email": "ada@example.com"}).status_code == 200
    assert Message.objects.filter(stream=Message.Stream.CONSENT).count() == 2


def test_the_delivery_task_sends_a_stored_message():
    from django.core import mail

    from outbox.tasks import deliver_message

    message = services.preference_link_send(email=DataSubjectFactory().email)
    deliver_message(message.pk)
    message.refresh_from_db()
    assert message.state == Message.State.SENT and len(mail.outbox) == 1
    assert "/privacy-choices/p/" in mail.outbox[0].body


def test_the_message_is_delivered_once():
    subject = DataSubjectFactory()
    message = services.preference_link_send(email=subject.email)
    from django.core import mail

    assert outbox.message_deliver(message_id=message.pk) is True
    assert outbox.message_deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [subject.email]
    message.refresh_from_db()
    assert message.state == Message.State.SENT


# --- The preference center -----------------------------------------------------------------------------

def test_the_preference_center_shows_each_purpose_in_plain_words(client):
    subject = DataSubjectFactory(country="DE", subdivision="")
    response = client.get(_path(links.preferences_url(subject)))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Marketing e-mails", "Sale or sharing of personal information", "Precise location",
                  "AI development and training on de-identified data"):
        assert label in body
    assert "notice version 1" in body
    assert subject.email not in body  # nothing personal is shown on the page


def test_a_change_is_a_ledger_event_and_a_confirmation(client, frozen):
    subject = DataSubjectFactory(country="DE", subdivision="")
    url = _path(links.preferences_url(subject))
    response = client.post(url, {"purpose_marketing_email": "allow", "purpose_analytics_cookies": "deny"},
                           HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="203.0.113.77")
    assert response.status_code == 200
    assert b"Your choices are saved" in response.content
    assert b"Marketing e-mails: consent given" in response.content
    events = list(ConsentEvent.objects.filter(subject=subject).order_by("id"))
    assert [(e.purpose.code, e.kind, e.source) for e in events] == [
        ("marketing_email", "given", "preference_center"),
        ("analytics_cookies", "refused", "preference_center"),  # opt-in purpose never decided: refused
    ]
    assert events[0].user_agent == "Firefox/140" and events[0].ip_prefix == "203.0.113.0/24"
    assert events[0].at == NOW
    assert selectors.is_permitted(subject, "marketing_email") is True
    # the same choices again change nothing
    response = client.post(url, {"purpose_marketing_email": "allow", "purpose_analytics_cookies": "deny"})
    assert b"Nothing changed" in response.content
    assert ConsentEvent.objects.filter(subject=subject).count() == 2
    # withdrawing is as easy as giving
    client.post(url, {"purpose_marketing_email": "deny"})
    assert ConsentEvent.objects.filter(subject=subject).last().kind == Kind.WITHDRAWN
    assert selectors.is_permitted(subject, "marketing_email") is False


def test_an_unknown_choice_is_a_400_and_writes_nothing(client):
    subject = DataSubjectFactory()
    response = client.post(_path(links.preferences_url(subject)),
                           {"purpose_marketing_email": "allow", "purpose_sale_sharing": "perhaps"})
    assert response.status_code == 400
    assert b"Some answers were not understood" in response.content
    assert not ConsentEvent.objects.exists()


def test_an_empty_post_changes_nothing(client):
    subject = DataSubjectFactory()
    response = client.post(_path(links.preferences_url(subject)), {})
    assert response.status_code == 200
    assert b"Nothing changed" in response.content
    assert not ConsentEvent.objects.exists()


def test_the_preference_center_needs_csrf(client):
    from django.test import Client

    subject = DataSubjectFactory()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_path(links.preferences_url(subject)), {"purpose_marketing_email": "deny"})
    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # tampered signature
    lambda t: "garbage",
    lambda t: signing.dumps({"s": 999999, "e": "x@example.com"}, salt=links.PREFERENCES_SALT),  # nobody
    lambda t: signing.dumps({"s": 1}, salt="another-salt"),
])
def test_a_tampered_link_says_so_and_offers_a_fresh_one(client, mangle):
    subject = DataSubjectFactory()
    token = mangle(links.preferences_token(subject))
    response = client.get(reverse("consents:preferences", args=[token]))
    assert response.status_code == 400
    assert b"This link is not valid" in response.content
    assert b'name="email"' in response.content  # the form for a fresh link
    assert subject.email.encode() not in response.content
    response = client.post(reverse("consents:preferences", args=[token]), {"purpose_marketing_email": "allow"})
    assert response.status_code == 400
    assert not ConsentEvent.objects.exists()


def test_an_expired_link_says_so(client):
    subject = DataSubjectFactory()
    with time_machine.travel(NOW, tick=False):
        url = _path(links.preferences_url(subject))
    with time_machine.travel(NOW + dt.timedelta(days=settings.MEDPRIVACY_PREFERENCE_LINK_DAYS, seconds=1), tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assert b"This link has expired" in response.content


def test_a_link_stops_working_when_the_address_changes(client):
    subject = DataSubjectFactory()
    url = _path(links.preferences_url(subject))
    subject.email = "new@example.com"
    subject.save()
    assert client.get(url).status_code == 400


# --- One-click unsubscribe -----------------------------------------------------------------------------

def test_unsubscribe_headers_follow_rfc_8058():
    subject = DataSubjectFactory()
    headers = links.unsubscribe_headers(subject)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"] == f"<{links.unsubscribe_url(subject)}>"
    assert headers["List-Unsubscribe"].startswith(f"<{settings.SITE_URL}/privacy-choices/unsubscribe/")


def test_unsubscribe_get_only_shows_a_confirm_page(client):
    subject = DataSubjectFactory()
    response = client.get(_path(links.unsubscribe_url(subject)))
    assert response.status_code == 200
    assert b'name="List-Unsubscribe" value="One-Click"' in response.content
    assert not ConsentEvent.objects.exists()


def test_one_click_post_withdraws_marketing_at_once_without_login_or_csrf(frozen):
    from django.test import Client

    subject = DataSubjectFactory(country="DE", subdivision="")
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN,
                            source=Source.PREFERENCE_CENTER)
    mail_client = Client(enforce_csrf_checks=True)
    url = _path(links.unsubscribe_url(subject))
    response = mail_client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    event = ConsentEvent.objects.filter(subject=subject).last()
    assert (event.kind, event.source, event.at) == ("withdrawn", "unsubscribe_link", NOW)
    assert selectors.is_permitted(subject, "marketing_email") is False
    # a second click changes nothing
    mail_client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert ConsentEvent.objects.filter(subject=subject).count() == 2


def test_unsubscribe_opts_out_a_us_subject_who_never_consented(client):
    subject = DataSubjectFactory(country="US", subdivision="CA")
    assert selectors.is_permitted(subject, "marketing_email") is True
    client.post(_path(links.unsubscribe_url(subject)), {"List-Unsubscribe": "One-Click"})
    assert ConsentEvent.objects.get(subject=subject).kind == Kind.OPTED_OUT
    assert selectors.is_permitted(subject, "marketing_email") is False


def test_unsubscribe_without_the_one_click_body_is_a_400(client):
    subject = DataSubjectFactory()
    response = client.post(_path(links.unsubscribe_url(subject)), {"something": "else"})
    assert response.status_code == 400
    assert not ConsentEvent.objects.exists()


def test_a_tampered_unsubscribe_link_is_refused(client):
    subject = DataSubjectFactory()
    token = links.preferences_token(subject)  # a preference token is not an unsubscribe token
    response = client.post(reverse("consents:unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert not ConsentEvent.objects.exists()


# --- Global Privacy Control ----------------------------------------------------------------------------

def test_gpc_1_opts_the_browser_out_once_and_sets_a_cookie(client, frozen):
    response = client.get("/", HTTP_SEC_GPC="1", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 200
    assert GPC_NOTICE.encode() in response.content
    cookie = response.cookies[settings.MEDPRIVACY_BROWSER_ID_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is settings.SESSION_COOKIE_SECURE
    browser_id = cookie.value
    events = ConsentEvent.objects.filter(browser_id=browser_id)
    assert sorted((e.purpose.code, e.kind, e.source) for e in events) == [
        ("sale_sharing", "opted_out", "gpc"), ("targeted_advertising", "opted_out", "gpc")]
    assert events[0].ip_prefix == "198.51.100.0/24"
    assert "Sec-GPC" in response["Vary"]
    # more page views with the signal: no new events, no new cookie
    again = client.get("/privacy-choices/", HTTP_SEC_GPC="1")
    assert settings.MEDPRIVACY_BROWSER_ID_COOKIE not in again.cookies
    assert GPC_NOTICE.encode() in again.content
    assert ConsentEvent.objects.count() == 2


@pytest.mark.parametrize("value", ["0", "true", " 1", "1 ", "yes", ""])
def test_other_gpc_values_are_ignored(client, value):
    response = client.get("/", HTTP_SEC_GPC=value)
    assert GPC_NOTICE.encode() not in response.content
    assert settings.MEDPRIVACY_BROWSER_ID_COOKIE not in response.cookies
    assert not ConsentEvent.objects.exists()


def test_absence_of_the_signal_later_is_not_an_opt_in(client):
    client.get("/", HTTP_SEC_GPC="1")
    response = client.get("/")
    assert GPC_NOTICE.encode() not in response.content
    assert ConsentEvent.objects.count() == 2
    assert set(ConsentState.objects.values_list("state", flat=True)) == {"opted_out"}


def test_gpc_on_admin_and_api_paths_is_not_the_public_site(client):
    client.get("/admin/login/", HTTP_SEC_GPC="1")
    assert not ConsentEvent.objects.exists()


def test_gpc_with_a_valid_link_opts_the_known_person_out(client):
    subject = DataSubjectFactory(country="US", subdivision="CA")
    url = _path(links.preferences_url(subject))
    response = client.get(url, HTTP_SEC_GPC="1")
    assert GPC_NOTICE.encode() in response.content
    mine = ConsentEvent.objects.filter(subject=subject)
    assert sorted((e.purpose.code, e.kind, e.source) for e in mine) == [
        ("sale_sharing", "opted_out", "gpc"), ("targeted_advertising", "opted_out", "gpc")]
    assert selectors.is_permitted(subject, "sale_sharing") is False
    client.get(url, HTTP_SEC_GPC="1")
    assert ConsentEvent.objects.filter(subject=subject).count() == 2  # once, not per page view


def test_gpc_with_a_tampered_link_records_only_the_browser(client):
    DataSubjectFactory()
    client.get(reverse("consents:preferences", args=["tampered"]), HTTP_SEC_GPC="1")
    assert not ConsentEvent.objects.filter(subject__isnull=False).exists()
    assert ConsentEvent.objects.filter(subject__isnull=True).count() == 2


def test_a_forged_browser_cookie_is_replaced(client):
    client.cookies[settings.MEDPRIVACY_BROWSER_ID_COOKIE] = "bad id!"
    response = client.get("/", HTTP_SEC_GPC="1")
    new_id = response.cookies[settings.MEDPRIVACY_BROWSER_ID_COOKIE].value
    assert new_id != "bad id!"
    assert set(ConsentEvent.objects.values_list("browser_id", flat=True)) == {new_id}


def test_gpc_json_is_served(client, settings):
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.json() == {"gpc": True, "lastUpdate": "2025-03-27"}  # the seeded notices' date
    settings.MEDPRIVACY_GPC_LAST_UPDATE = "2026-01-01"
    assert client.get("/.well-known/gpc.json").json()["lastUpdate"] == "2026-01-01"


def test_the_home_page_links_to_the_choices(client):
    response = client.get("/")
    assert reverse("consents:request_link").encode() in response.content


def test_evidence_comes_from_remote_addr_only():
    from django.test import RequestFactory

    http_request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="2001:db8:1:2::9",
                                        HTTP_USER_AGENT="UA")
    assert services.evidence_from_request(http_request) == Evidence(user_agent="UA", ip_prefix="2001:db8:1::/48")
