"""The DRP walk-throughs with a real Ed25519 key pair: pairwise setup, an opt-out fulfilled without
verification, a deletion the consumer confirms through user_verification_url, an access request whose
results_url downloads the package, a revocation, and status callbacks received by a local HTTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest
import time_machine
from django.conf import settings

from drp import tasks
from drp.models import Agent, Callback, CallbackAttempt, DrpRequest
from fulfilment import packages
from fulfilment import services as fulfilment
from fulfilment.models import System
from outbox.models import Message
from requests_app.models import Channel
from requests_app.services import compliance, workbench
from tests.factories import supervisor
from timeline.models import TimelineEvent

from .conftest import AGENT_ID, BUSINESS_ID, NOW, sign, stamps

pytestmark = pytest.mark.django_db


def _deliver_queued(queued) -> None:
    """Run the first attempts the commit queued, as the worker would."""
    while queued["callbacks"]:
        tasks.deliver_callback(queued["callbacks"].pop(0))


def test_pairwise_setup_issues_a_bearer_token_stored_only_as_a_hash(paired, client):
    agent = Agent.objects.get(agent_id=AGENT_ID)
    assert agent.token_hash == hashlib.sha256(paired.token.encode()).hexdigest()
    assert paired.token not in (agent.token_hash, agent.token_prefix) and len(paired.token) >= 40
    assert agent.token_issued_at == NOW
    assert agent.history.first().history_change_reason == "Pairwise setup: new bearer token"

    for path in (f"/v1/agent/{AGENT_ID}", f"/v1/agent/{AGENT_ID}/"):
        answer = client.get(path, **paired.auth())
        assert (answer.status_code, answer.json()) == (200, {})
    wrong = client.get("/v1/agent/SOMEONE_ELSE", **paired.auth())
    assert (wrong.status_code, wrong.content) == (403, b"")


def test_pairing_again_replaces_the_token(paired, client, frozen):
    body = {"agent-id": AGENT_ID, "business-id": BUSINESS_ID, **stamps(NOW + dt.timedelta(seconds=1))}
    frozen.shift(dt.timedelta(seconds=2))
    answer = client.post(f"/v1/agent/{AGENT_ID}/", sign(paired.key, body), content_type="text/plain")
    assert answer.status_code == 200 and answer.json()["agent-id"] == AGENT_ID
    assert client.get(f"/v1/agent/{AGENT_ID}", **paired.auth()).status_code == 403  # the old token is gone
    paired.token = answer.json()["token"]
    assert client.get(f"/v1/agent/{AGENT_ID}", **paired.auth()).status_code == 200


def test_an_opt_out_needs_no_verification_and_is_fulfilled(paired, client, frozen, queued, no_systems,
                                                            callback_server, django_capture_on_commit_callbacks):
    answer = paired.post_exercise(client, paired.exercise_body("sale:opt-out", callback=callback_server.url,
                                                                **{"agent-request-id": "ps-42"}))
    assert answer.status_code == 200, answer.content
    status = answer.json()
    drp = DrpRequest.objects.get()
    assert status == {
        "request_id": str(drp.request_id), "received_at": "2026-03-02T15:00:00Z", "agent_request_id": "ps-42",
        "status": "in_progress", "expected_by": status["expected_by"],
        "processing_details": "Received and being processed.",
    }
    dsr = drp.case
    # The same intake as the public form: rules table, deadline, agent flag, the agent as filer.
    assert (dsr.right, dsr.regime, dsr.status, dsr.is_agent, dsr.channel) == (
        "opt_out_sale_sharing", "ccpa", "verified", True, Channel.AGENT)
    assert dsr.verification_method == "not required by the rules"
    assert dsr.due_on == dt.date(2026, 3, 23)  # 15 business days, not counting the day of receipt
    assert status["expected_by"] == "2026-03-23T23:59:59-07:00"  # the end of the due day in California
    assert (dsr.submission.agent_name, dsr.subject.full_name, dsr.subject.email) == (
        "Permission Slip", "Ana Lima", "ana.lima@example.com")
    note = dsr.timeline.get(kind=TimelineEvent.Kind.NOTE)
    assert "authorized agent Permission Slip" in note.summary and "e-mail address" in note.summary
    assert drp.claims == {"name": "Lima, Ana", "email": "ana.lima@example.com", "email_verified": True}

    with django_capture_on_commit_callbacks(execute=True):
        workbench.case_complete(dsr=dsr, actor=supervisor(), outcome_summary="Opted out of sale and sharing",
                                response="We stopped selling and sharing your personal information.")
    assert len(queued["callbacks"]) == 1
    _deliver_queued(queued)

    assert [body["status"] for body in callback_server.received] == ["fulfilled"]
    assert callback_server.received[0]["request_id"] == str(drp.request_id)
    assert callback_server.content_types == ["application/json"]
    callback = Callback.objects.get()
    assert (callback.state, callback.attempts) == ("delivered", 1)
    assert list(CallbackAttempt.objects.values_list("number", "http_status", "worker")) == [(1, 200, "task")]
    assert client.get(f"/v1/data-rights-request/{drp.request_id}", **paired.auth()).json()["status"] == "fulfilled"


def test_a_deletion_waits_for_the_consumer_to_confirm_through_user_verification_url(
        paired, client, frozen, queued, no_systems, callback_server, django_capture_on_commit_callbacks):
    status = paired.post_exercise(client, paired.exercise_body("deletion", callback=callback_server.url)).json()
    drp = DrpRequest.objects.get()
    assert (status["status"], status["reason"]) == ("in_progress", "need_user_verification")
    page = f"/drp/verify/{drp.request_id}/"
    assert status["user_verification_url"] == f"{settings.SITE_URL}{page}"
    assert status["expires_at"] == "2026-03-09T15:00:00Z"  # the e-mailed link's expiry (7 days)
    assert drp.case.status == "awaiting_verification" and drp.case.regime == "ccpa"

    # The agent sends the consumer to the page with request_id and redirect_to; the page sends a new link.
    params = {"request_id": str(drp.request_id), "redirect_to": "https://agent.example/done"}
    shown = client.get(page, params)
    assert shown.status_code == 200
    assert b"a***@example.com" in shown.content and b"https://agent.example/done" in shown.content
    assert b"ana.lima@example.com" not in shown.content
    assert client.get(page, {"request_id": "00000000-0000-0000-0000-000000000000"}).status_code == 404
    sent = client.post(page, params)
    assert sent.status_code == 200 and b"We have sent a new link" in sent.content
    link_mail = Message.objects.filter(template_key="intake_new_link").get()
    assert link_mail.to_email == "ana.lima@example.com"

    # The consumer opens the link from the e-mail: the case is confirmed, the agent is told.
    verify_path = re.search(r"/requests/verify/[\w-]+/", link_mail.body_text).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(verify_path).status_code in (200, 302)
    _deliver_queued(queued)
    drp.case.refresh_from_db()
    assert drp.case.status == "verified" and drp.case.needs_officer_verification  # an officer still checks
    assert [body["status"] for body in callback_server.received] == ["in_progress"]
    assert "reason" not in callback_server.received[0]
    assert "user_verification_url" not in client.get(f"/v1/data-rights-request/{drp.request_id}",
                                                     **paired.auth()).json()


def test_an_access_request_results_url_downloads_the_package(paired, client, frozen, queued,
                                                             django_capture_on_commit_callbacks):
    System.objects.exclude(name="MedPrivacy portal (this system)").update(is_active=False)
    assert System.objects.filter(is_active=True).count() == 1, "the seeded data map (migration) is missing"
    status = paired.post_exercise(client, paired.exercise_body("access")).json()
    drp = DrpRequest.objects.get()
    assert status["reason"] == "need_user_verification"
    verify_path = re.search(r"/requests/verify/[\w-]+/",
                            Message.objects.filter(submission=drp.submission).first().body_text).group(0)
    client.get(verify_path)
    boss = supervisor()
    # Specific pieces need the consumer's signed declaration (11 CCR §7062(c)); the agent's claims do not do.
    token, _ = compliance.confirmation_request(dsr=drp.case, kind="declaration", actor=boss)
    compliance.confirmation_answer(token=token, confirmed=True, signed_name="Ann Example")
    # The agent's authority is settled as for any agent (11 CCR §7063(a)(2)): the consumer confirms directly.
    token, _ = compliance.confirmation_request(dsr=drp.case, kind="agent_authority", actor=boss)
    compliance.confirmation_answer(token=token, confirmed=True)
    dsr = workbench.case_verify_identity(dsr=drp.case, actor=boss, method="signed_declaration")
    fulfilment.fulfilment_retry_sweep()  # the portal's own records, exported by the Django-model connector
    assert not dsr.fulfilment_tasks.blocking().exists()
    package = packages.access_package_build(dsr=dsr, actor=boss)
    workbench.case_complete(dsr=dsr, actor=boss, outcome_summary="Access given", response="Your data is ready.")

    status = client.get(f"/v1/data-rights-request/{drp.request_id}/", **paired.auth()).json()
    assert status["status"] == "fulfilled"
    assert status["results_url"] == packages.package_url(package)
    assert status["expires_at"] == "2026-03-09T15:00:00Z"
    download_page = status["results_url"].removeprefix(settings.SITE_URL)
    assert client.get(download_page).status_code == 200
    assert client.post(download_page, {"email": "someone@example.com"}).status_code == 403  # re-confirmed
    download = client.post(download_page, {"email": "ana.lima@example.com"})
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "data.json" in archive.namelist() and b"ana.lima@example.com" in archive.read("data.json")


def test_revocation_closes_the_case_with_a_timeline_entry_and_tells_the_agent(
        paired, client, frozen, queued, no_systems, callback_server, django_capture_on_commit_callbacks):
    paired.post_exercise(client, paired.exercise_body("deletion", callback=callback_server.url))
    drp = DrpRequest.objects.get()
    reason = b'{"reason": "I don\'t want my account deleted."}'
    # The reference agent signs only {"reason": ...} and sends it without a Content-Type.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.generic("DELETE", f"/v1/data-rights-request/{drp.request_id}", sign(paired.key, reason),
                                content_type="", **paired.auth())
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["processing_details"]) == ("revoked", "Revoked by the agent.")
    drp.refresh_from_db()
    dsr = drp.case
    dsr.refresh_from_db()
    assert dsr.status == "withdrawn" and dsr.closed_at == NOW
    entry = dsr.timeline.filter(kind=TimelineEvent.Kind.STATUS_CHANGED).last()
    assert "Revoked by the authorized agent Permission Slip through the Data Rights Protocol" in entry.summary
    assert drp.revoke_reason == "I don't want my account deleted."
    assert "account deleted" not in dsr.history.first().history_change_reason  # free text stays off history

    _deliver_queued(queued)
    assert [body["status"] for body in callback_server.received] == ["revoked"]
    again = client.delete(f"/v1/data-rights-request/{drp.request_id}/",
                          sign(paired.key, b'{"reason": "twice"}'), **paired.auth())
    assert again.status_code == 200 and again.json()["status"] == "revoked"


def test_a_failed_callback_is_retried_by_the_sweep_and_every_attempt_is_recorded(
        paired, client, frozen, queued, no_systems, callback_server, django_capture_on_commit_callbacks):
    callback_server.answers = [500]
    paired.post_exercise(client, paired.exercise_body("sale:opt-out", callback=callback_server.url))
    drp = DrpRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        workbench.case_complete(dsr=drp.case, actor=supervisor(), outcome_summary="Done", response="Done.")
    _deliver_queued(queued)
    callback = Callback.objects.get()
    assert (callback.state, callback.last_error, callback.next_attempt_at) == (
        "failed", "HTTP 500", NOW + dt.timedelta(seconds=60))

    tasks.sweep_callbacks()  # not due yet
    assert CallbackAttempt.objects.count() == 1
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        tasks.sweep_callbacks()
    callback.refresh_from_db()
    assert (callback.state, callback.attempts) == ("delivered", 2)
    assert list(CallbackAttempt.objects.values_list("number", "http_status", "error", "worker")) == [
        (1, 500, "HTTP 500", "task"), (2, 200, "", "sweep")]
    assert [body["status"] for body in callback_server.received] == ["fulfilled", "fulfilled"]


def test_an_extension_tells_the_agent_the_new_expected_by_and_an_assignment_tells_it_nothing(
        paired, client, frozen, queued, no_systems, callback_server, django_capture_on_commit_callbacks):
    first = paired.post_exercise(client, paired.exercise_body("deletion", callback=callback_server.url)).json()
    drp = DrpRequest.objects.get()
    boss = supervisor()
    with django_capture_on_commit_callbacks(execute=True):
        workbench.case_assign(dsr=drp.case, assignee=boss, actor=boss)  # invisible to the agent: no callback
    assert queued["callbacks"] == [] and not Callback.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        workbench.case_extend(dsr=drp.case, actor=boss, reason="Records in many systems")
    _deliver_queued(queued)
    (sent,) = callback_server.received
    assert first["expected_by"] == "2026-04-16T23:59:59-07:00"  # receipt + 45 days
    assert (sent["status"], sent["expected_by"]) == ("in_progress", "2026-05-31T23:59:59-07:00")  # + 45 more
    assert sent["processing_details"].startswith("The response deadline was extended to 2026-05-31")
    assert "Records in many systems" not in sent["processing_details"]  # the officer's words stay with the consumer


def test_a_callback_is_given_up_after_the_last_attempt_and_claimed_once(
        paired, client, frozen, queued, no_systems, callback_server, settings, django_capture_on_commit_callbacks):
    from drp import services

    settings.MEDPRIVACY_DRP_CALLBACK_MAX_ATTEMPTS = 2
    callback_server.answers = [503, 503]
    paired.post_exercise(client, paired.exercise_body("sale:opt-out", callback=callback_server.url))
    drp = DrpRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        workbench.case_complete(dsr=drp.case, actor=supervisor(), outcome_summary="Done", response="Done.")
    (callback_id,) = queued["callbacks"]
    assert services.callback_deliver(callback_id=callback_id) == "failed"
    assert services.callback_deliver(callback_id=callback_id) == "skipped"  # a failed one waits for its time
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        assert services.callback_deliver(callback_id=callback_id, worker="sweep") == "given_up"
        tasks.sweep_callbacks()
    callback = Callback.objects.get()
    assert (callback.state, callback.attempts, callback.next_attempt_at) == ("given_up", 2, None)
    assert CallbackAttempt.objects.count() == 2 and len(callback_server.received) == 2
