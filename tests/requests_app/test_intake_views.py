"""The public request pages: the two-step form, bad input on every field, CSRF, honeypot, rate limits,
bad links, the status page and withdrawal, new links. Time is frozen at NOW."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from outbox.models import Message
from regimes.deadlines import compute_deadlines
from requests_app.models import Case
from requests_app.services import intake
from requests_app.workflow import Status
from subjects.models import DataSubject
from tests.requests_app.intake_support import (
    NOTHING,
    PDF,
    PNG,
    counts,
    form_data,
    frozen_clock,
    link_in,
    pdf_upload,
    stored_files,
    use_private_storage,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    yield from frozen_clock()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path) -> Path:
    return use_private_storage(settings, tmp_path)


FORM = "/requests/"


def private_root() -> Path:
    return Path(django_settings.STORAGES["default"]["OPTIONS"]["location"])


def text(response) -> str:
    return response.content.decode()


def submit(client: Client, **overrides):
    return client.post(FORM, form_data(**overrides))


def status_path_for(email: str = "ann@example.com") -> str:
    return link_in(Message.objects.filter(to_email=email).latest("pk"), "status")


# --- The two steps -------------------------------------------------------------------------------------


def test_step_one_asks_where_the_requester_lives(client):
    response = client.get(FORM)
    assert response.status_code == 200
    page = text(response)
    assert '<label for="id_country">Country where you live</label>' in page
    assert '<option value="US">United States</option>' in page and '<option value="CA">California</option>' in page
    assert 'method="get"' in page


def test_step_two_offers_the_rights_of_a_californian_in_plain_words(client):
    response = client.get(FORM, {"country": "US", "subdivision": "CA"})
    assert response.status_code == 200
    page = text(response)
    assert "California, United States" in page
    offered = re.findall(r'name="rights" value="([a-z_]+)"', page)
    assert offered == ["access", "rectification", "erasure", "direct_marketing_objection", "withdraw_consent",
                       "opt_out_sale_sharing", "limit_sensitive", "disclosure", "accounting"]  # patients only
    assert "Delete my information (erasure)" in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page


def test_step_two_offers_an_eea_resident_the_gdpr_rights(client):
    page = text(client.get(FORM, {"country": "FR"}))
    offered = re.findall(r'name="rights" value="([a-z_]+)"', page)
    assert "restriction" in offered and "objection" in offered and "opt_out_sale_sharing" not in offered


@pytest.mark.parametrize(("query", "message"), [
    ({"country": "ZZ"}, "Choose the country where you live from the list."),
    ({"country": ""}, "Choose the country where you live."),
    ({"country": "US"}, "Choose the US state or region where you live."),
    ({"country": "US", "subdivision": "XX"}, "Choose the US state or region from the list."),
])
def test_step_one_explains_a_bad_residence(client, query, message):
    response = client.get(FORM, query)
    assert response.status_code == 400
    assert message in text(response)


def test_a_state_chosen_with_another_country_is_ignored(client):
    response = client.get(FORM, {"country": "GB", "subdivision": "CA"})
    assert response.status_code == 200
    assert '<input type="hidden" name="subdivision" value="">' in text(response)


def test_change_link_goes_back_to_step_one_with_the_residence_kept(client):
    response = client.get(FORM, {"country": "US", "subdivision": "CA", "change": "1"})
    assert response.status_code == 200
    assert '<option value="CA" selected>California</option>' in text(response)


# --- Submitting ------------------------------------------------------------------------------------------


def test_submitting_shows_references_and_respond_by_dates_and_sends_one_email(client):
    response = submit(client)
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    access, erasure = Case.objects.order_by("pk")
    respond_by = compute_deadlines(regime="ccpa", right="access", received_on=dt.date(2026, 3, 5)).respond_by
    assert respond_by == dt.date(2026, 4, 19)
    assert f"<td>{access.reference}</td><td>Know what personal information we hold (access)</td>" \
           f"<td>19 April 2026</td>" in page
    assert f"<td>{erasure.reference}</td>" in page
    assert "Please check your e-mail" in page
    assert "ann@example.com" not in page
    assert Message.objects.count() == 1


def test_the_confirmation_page_without_a_valid_token_is_a_plain_thank_you(client):
    submit(client)
    for query in ("", "?c=forged", "?c=" + "1:abc:def"):
        page = text(client.get("/requests/submitted/" + query))
        assert "Thank you: we have your request" in page and "DSR-" not in page


def test_the_form_is_kept_filled_in_with_errors_next_to_fields_and_a_summary(client):
    response = submit(client, email="not-an-address", declaration=None, details="My account is 42")
    assert response.status_code == 400
    page = text(response)
    assert '<div class="error-summary" role="alert"' in page
    assert '<a href="#id_email">Enter an e-mail address like name@example.com.</a>' in page
    assert '<a href="#id_declaration">' in page
    assert '<p class="field-error" id="id_email_error">Enter an e-mail address like name@example.com.</p>' in page
    assert 'aria-invalid="true"' in page
    assert 'value="Ann Example"' in page and "My account is 42</textarea>" in page
    assert re.search(r'name="rights" value="access"[^>]*checked', page)
    assert counts() == NOTHING


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"rights": None}, "rights", "Choose at least one thing you want us to do."),
    ({"rights": ["restriction"]}, "rights", "That choice is not available where you live."),
    ({"full_name": ""}, "full_name", "Enter your full name."),
    ({"full_name": "Ann\r\nBcc: x@example.com"}, "full_name", "Use a single line without special characters."),
    ({"full_name": "A" * 201}, "full_name", "Ensure this value has at most 200 characters (it has 201)."),
    ({"email": ""}, "email", "Enter your e-mail address."),
    ({"email": "ann@"}, "email", "Enter an e-mail address like name@example.com."),
    ({"relationship": None}, "relationship", "Choose how you know us."),
    ({"relationship": "landlord"}, "relationship", "Choose how you know us from the list."),
    ({"relationship": "patient"}, "clinic_name", "Name the clinic or organization that gave us your information."),
    ({"rights": ["rectification"]}, "correction_wrong", "Tell us which information is wrong."),
    ({"rights": ["rectification"], "correction_wrong": "my name"}, "correction_right",
     "Tell us what the information should say."),
    ({"details": "x" * 5001}, "details", "Ensure this value has at most 5000 characters (it has 5001)."),
    ({"is_agent": "on"}, "agent_name", "Enter the agent&#x27;s name."),
    ({"is_agent": "on"}, "agent_email", "Enter the agent&#x27;s e-mail address."),
    ({"is_agent": "on", "agent_email": "bo@"}, "agent_email", "Enter an e-mail address like name@example.com."),
    ({"is_agent": "on", "agent_name": "Bo"}, "authorization",
     "Upload the authorization signed by the person you act for (PDF, PNG or JPEG)."),
    ({"declaration": None}, "declaration", "Tick the declaration to send your request."),
    ({"clinic_name": "Clinic\nInjected"}, "clinic_name", "Use a single line without special characters."),
])
def test_every_field_explains_bad_input_and_nothing_is_written(client, overrides, field, message):
    response = submit(client, **overrides)
    assert response.status_code == 400
    page = text(response)
    assert f'<p class="field-error" id="id_{field}_error">{message}' in page
    anchor = f"id_{field}_0" if field in ("rights", "relationship") else f"id_{field}"
    assert f'<a href="#{anchor}">' in page
    assert counts() == NOTHING


@pytest.mark.parametrize(("post", "message"), [
    ({"country": "ZZ"}, "Choose the country where you live from the list."),
    ({"subdivision": ""}, "Choose the US state or region where you live."),
])
def test_a_tampered_residence_on_the_form_is_refused(client, post, message):
    response = submit(client, **post)
    assert response.status_code == 400
    assert message in text(response)
    assert counts() == NOTHING


def test_an_agent_upload_is_checked_by_content_and_stored_privately(client):
    response = client.post(FORM, {**form_data(is_agent="on", agent_name="Bo Agent", agent_email="bo@agents.example"),
                                  "authorization": pdf_upload()})
    assert response.status_code == 302
    submission = DataSubject.objects.get().submissions.get()
    assert submission.is_agent and submission.authorization_document.name.endswith(".pdf")
    assert [p.read_bytes() for p in stored_files(private_root())] == [PDF]
    assert django_settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
    assert {m.to_email for m in Message.objects.all()} == {"ann@example.com", "bo@agents.example"}


@pytest.mark.parametrize(("upload", "message"), [
    (pdf_upload(content=b"<html>not really a pdf</html>"), "This file is not a PDF, PNG or JPEG"),
    (pdf_upload(content=b"GIF89a" + PNG, name="scan.png", content_type="image/png"), "This file is not a PDF, PNG"),
    (pdf_upload(content=b"", name="empty.pdf"), "The file is empty"),
    (pdf_upload(content=b"%PDF-1.7\n" + b"0" * (6 * 1024 * 1024)), "The file is 6.0 MB; the limit is 5 MB."),
])
def test_bad_uploads_are_refused_with_a_message_and_nothing_is_kept(client, upload, message):
    response = client.post(FORM, {**form_data(is_agent="on", agent_name="Bo", agent_email="bo@agents.example"),
                                  "authorization": upload})
    assert response.status_code == 400
    page = text(response)
    assert '<p class="field-error" id="id_authorization_error">' + message in page
    assert "choose the file again" in page
    assert counts() == NOTHING and stored_files(private_root()) == []


def test_a_jpeg_authorization_is_accepted(client):
    jpeg = pdf_upload(content=b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 32, name="a.jpeg",
                      content_type="image/jpeg")
    response = client.post(FORM, {**form_data(is_agent="on", agent_name="Bo", agent_email="bo@agents.example"),
                                  "authorization": jpeg})
    assert response.status_code == 302
    assert DataSubject.objects.get().submissions.get().authorization_document.name.endswith(".jpg")


def test_a_request_body_over_the_upload_limit_is_a_400_not_a_500(client):
    response = submit(client, details="x" * (7 * 1024 * 1024))
    assert response.status_code == 400
    assert "id_details_error" not in text(response)  # refused before any form ran (DATA_UPLOAD_MAX_MEMORY_SIZE)
    assert counts() == NOTHING


def test_a_file_sent_without_the_agent_box_is_not_stored(client):
    response = client.post(FORM, {**form_data(), "authorization": pdf_upload()})
    assert response.status_code == 302
    assert not DataSubject.objects.get().submissions.get().authorization_document
    assert stored_files(private_root()) == []


def test_a_post_without_csrf_token_gets_the_403_page_and_nothing_is_written():
    response = Client(enforce_csrf_checks=True).post(FORM, form_data())
    assert response.status_code == 403
    page = text(response)
    assert "Your form could not be sent" in page and "privacy@meddimensions.example" in page
    assert counts() == NOTHING


def test_a_filled_honeypot_looks_like_success_but_keeps_nothing(client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 302 and response["Location"] == "/requests/submitted/"
    assert "Thank you: we have your request" in text(client.get(response["Location"]))
    assert counts() == NOTHING


def test_the_honeypot_is_hidden_from_people_and_keyboards(client):
    page = text(client.get(FORM, {"country": "US", "subdivision": "CA"}))
    assert '<div class="hp" aria-hidden="true">' in page
    assert re.search(r'<input type="text" name="website" tabindex="-1" autocomplete="off"', page)


def test_too_many_submissions_from_one_ip_get_429_for_the_hour(client, settings, frozen):
    settings.MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR = 2
    frozen.shift(dt.timedelta(minutes=15))
    assert submit(client, email="a@example.com").status_code == 302
    assert submit(client, email="b@example.com").status_code == 302
    response = submit(client, email="c@example.com")
    assert response.status_code == 429
    assert "Please try again later" in text(response)
    assert 0 < int(response["Retry-After"]) <= 3600  # the end of this client's one-hour window
    assert not DataSubject.objects.filter(email="c@example.com").exists()
    assert Client(REMOTE_ADDR="203.0.113.9").post(FORM, form_data(email="c@example.com")).status_code == 302
    frozen.shift(dt.timedelta(hours=1))
    assert submit(client, email="d@example.com").status_code == 302


def test_too_many_submissions_for_one_email_get_429_from_any_ip(settings):
    settings.MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR = 1
    assert Client(REMOTE_ADDR="198.51.100.1").post(FORM, form_data()).status_code == 302
    response = Client(REMOTE_ADDR="198.51.100.2").post(FORM, form_data(email="ANN@example.com"))
    assert response.status_code == 429
    assert Case.objects.count() == 2  # only the first submission's cases


def test_invalid_forms_do_not_use_up_the_allowance(client, settings):
    settings.MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR = 1
    for _ in range(3):
        assert submit(client, declaration=None).status_code == 400
    assert submit(client).status_code == 302


# --- Verification and bad links ----------------------------------------------------------------------------


def test_the_verification_link_verifies_and_opens_the_status_page(client):
    submit(client)
    response = client.get(link_in(Message.objects.get(), "verify"), follow=True)
    assert response.status_code == 200
    page = text(response)
    assert "your e-mail address is confirmed" in page
    assert page.count('data-status="verified">Verified<') == 2
    assert page.count('<time datetime="2026-04-19">19 April 2026</time>') == 2
    assert set(Case.objects.values_list("status", flat=True)) == {Status.VERIFIED}


def test_a_head_request_does_not_use_up_the_link(client):
    submit(client)
    path = link_in(Message.objects.get(), "verify")
    assert client.head(path).status_code == 405
    assert set(Case.objects.values_list("status", flat=True)) == {Status.AWAITING_VERIFICATION}


def invalid_link_page(response) -> str:
    assert response.status_code == 404
    page = text(response)
    assert "This link cannot be used" in page and 'href="/requests/new-link/"' in page
    assert "ann@example.com" not in page and "Ann Example" not in page
    return page


def test_used_expired_unknown_and_tampered_verification_links_get_the_same_page(client, frozen):
    submit(client)
    path = link_in(Message.objects.get(), "verify")
    pages = [invalid_link_page(client.get("/requests/verify/unknown-token/")),
             invalid_link_page(client.get(path[:-2] + "x/"))]
    client.get(path)
    pages.append(invalid_link_page(client.get(path)))  # used
    submit(client, email="bob@example.com", full_name="Bob Example")
    bob_path = link_in(Message.objects.filter(to_email="bob@example.com").get(), "verify")
    frozen.shift(dt.timedelta(days=8))
    pages.append(invalid_link_page(client.get(bob_path)))  # expired
    assert len(set(pages)) == 1
    assert Case.objects.filter(subject__email="bob@example.com", status=Status.AWAITING_VERIFICATION).count() == 2


def test_tampered_expired_or_erased_status_links_show_nothing(client, frozen):
    submit(client)
    path = status_path_for()
    assert client.get(path).status_code == 200
    token = path.split("/")[3]
    # Change a character inside the signature (the last one may carry only padding bits).
    swapped = "A" if token[-10] != "A" else "B"
    invalid_link_page(client.get(f"/requests/status/{token[:-10]}{swapped}{token[-9:]}/"))
    invalid_link_page(client.get("/requests/status/eyJzIjoxfQ:1:forged/"))
    subject = DataSubject.objects.get()
    subject.erased_at, subject.email = intake.timezone.now(), ""
    subject.save()
    erased = client.get(path)  # a clear "no longer available", and nothing of the person
    assert erased.status_code == 410
    assert "This page is no longer available" in erased.content.decode()
    assert "Ann" not in erased.content.decode()
    subject.erased_at, subject.email = None, "ann@example.com"
    subject.save()
    frozen.shift(dt.timedelta(days=django_settings.MEDPRIVACY_STATUS_LINK_DAYS, seconds=1))
    invalid_link_page(client.get(path))


# --- Status page and withdrawal -------------------------------------------------------------------------------


def test_the_status_page_lists_cases_and_due_dates_but_not_the_emails_sent(client):
    submit(client)
    page = text(client.get(status_path_for()))
    for dsr in Case.objects.all():
        assert f"{dsr.reference}: {dsr.get_right_display()}" in page
    assert page.count('data-status="awaiting_verification">Awaiting verification<') == 2
    assert "5 March 2026" in page
    assert "Withdraw request" in page
    # The receipt (with its verification link) is an e-mail the portal sent on its own: never shown here.
    assert "We received your privacy request" not in page
    assert "/requests/verify/" not in page


def test_the_status_page_shows_only_the_requesters_own_cases(client):
    submit(client)
    submit(client, email="bob@example.com", full_name="Bob Example", rights=["opt_out_sale_sharing"])
    page = text(client.get(status_path_for("bob@example.com")))
    bob = Case.objects.get(subject__email="bob@example.com")
    assert bob.reference in page
    for dsr in Case.objects.filter(subject__email="ann@example.com"):
        assert dsr.reference not in page
    assert "Ann Example" not in page


def test_withdrawing_asks_first_then_withdraws_with_csrf():
    client = Client(enforce_csrf_checks=True)
    client.get(FORM, {"country": "US", "subdivision": "CA"})
    client.post(FORM, {**form_data(), "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    dsr = Case.objects.get(right="erasure")
    withdraw = reverse("requests_app:withdraw", args=[status_path_for().split("/")[3], dsr.reference])
    confirm = client.get(withdraw)
    assert confirm.status_code == 200 and f"Yes, withdraw {dsr.reference}" in text(confirm)
    assert client.post(withdraw).status_code == 403  # no token: refused
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_VERIFICATION
    response = client.post(withdraw, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, follow=True)
    assert response.status_code == 200
    assert f"Request {dsr.reference} is withdrawn" in text(response)
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN
    assert dsr.history.first().history_change_reason == "Withdrawn by the requester on the status page"
    assert Message.objects.filter(template_key="intake_withdrawn").count() == 1
    assert Case.objects.get(right="access").status == Status.AWAITING_VERIFICATION


def test_a_closed_case_cannot_be_withdrawn(client):
    submit(client, rights=["erasure"])
    dsr = Case.objects.get()
    intake.case_withdraw_by_requester(dsr=dsr)
    path = reverse("requests_app:withdraw", args=[status_path_for().split("/")[3], dsr.reference])
    response = client.post(path)
    assert response.status_code == 409
    assert "can no longer be withdrawn: it is withdrawn" in text(response)
    assert Message.objects.filter(template_key="intake_withdrawn").count() == 1


def test_another_requesters_case_cannot_be_withdrawn_with_my_link(client):
    submit(client)
    submit(client, email="bob@example.com", full_name="Bob Example", rights=["erasure"])
    bob_case = Case.objects.get(subject__email="bob@example.com")
    path = reverse("requests_app:withdraw", args=[status_path_for().split("/")[3], bob_case.reference])
    invalid_link_page(client.post(path))
    bob_case.refresh_from_db()
    assert bob_case.status == Status.AWAITING_VERIFICATION


# --- New links ---------------------------------------------------------------------------------------------------


def test_a_new_link_page_says_the_same_for_known_and_unknown_addresses(client):
    submit(client)
    known = client.post("/requests/new-link/", {"email": "Ann@example.com"})
    unknown = client.post("/requests/new-link/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert text(known) == text(unknown)
    assert "If we have requests from that address" in text(known)
    new = Message.objects.get(template_key="intake_new_link")
    assert new.to_email == "ann@example.com"
    assert client.get(link_in(new, "status")).status_code == 200
    assert Message.objects.count() == 2


def test_a_new_link_form_explains_a_bad_address(client):
    response = client.post("/requests/new-link/", {"email": "nope"})
    assert response.status_code == 400
    assert '<a href="#id_email">' in text(response)


def test_new_links_are_rate_limited(client, settings):
    settings.MEDPRIVACY_SUBMISSIONS_PER_EMAIL_PER_HOUR = 1
    assert client.post("/requests/new-link/", {"email": "x@example.com"}).status_code == 200
    assert client.post("/requests/new-link/", {"email": "x@example.com"}).status_code == 429


def test_the_home_page_links_to_the_form(client):
    page = text(client.get("/"))
    assert 'href="/requests/"' in page and 'href="/requests/new-link/"' in page


# --- Logs ------------------------------------------------------------------------------------------------------------


def test_no_personal_data_reaches_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    submit(client, details="I have a rare condition", rights=["rectification", "erasure"],
           correction_wrong="wrong surname", correction_right="Exampleton")
    client.get(link_in(Message.objects.get(), "verify"))
    client.post("/requests/new-link/", {"email": "ann@example.com"})
    client.post("/requests/new-link/", {"email": "stranger@example.com"})
    client.get("/requests/verify/bad-token/")
    intake.case_withdraw_by_requester(dsr=Case.objects.first())
    logged = caplog.text.lower()
    assert "intake:" in logged  # the flow did log, with ids and counts
    for personal in ("ann@example.com", "ann example", "stranger", "rare condition", "exampleton", "surname"):
        assert personal not in logged


def test_a_submission_reads_the_ai_register_once_and_writes_each_cases_report_fact_in_one_statement(client):
    """Issue 19 (intake): the form asked the register once per ADMT right, and each case's report fact took a
    read, an insert and two savepoints."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert submit(client).status_code == 302
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("admt_automatedsystem" in sql for sql in statements) == 1
    facts = [sql for sql in statements if "reporting_casefact" in sql]
    assert len(facts) == Case.objects.count() == 2
    assert all(sql.startswith("INSERT") and "ON CONFLICT" in sql for sql in facts)
