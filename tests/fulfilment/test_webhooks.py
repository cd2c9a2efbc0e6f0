"""The webhook connector against a local HTTP server standing in for external systems: fan-out, signatures,
late callbacks, replays, retries with backoff and final failure with the case still blocked."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time

import pytest
import time_machine
from django.urls import reverse

from fulfilment import connectors
from fulfilment import services as fulfilment
from fulfilment.models import FulfilmentTask, WebhookLog
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import (
    SECRET_A,
    SECRET_B,
    SECRET_C,
    closed_port_url,
    only_systems,
    task_of,
    verified_case,
    webhook_system,
)
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

private_storage = fulfilment_helpers.private_storage  # fixtures
stand_in = fulfilment_helpers.stand_in

T0 = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def three_systems(stand_in, private_storage):
    only_systems()
    return [webhook_system("CRM", stand_in.url("/a"), SECRET_A),
            webhook_system("Support desk", stand_in.url("/b"), SECRET_B),
            webhook_system("Ad network", stand_in.url("/c"), SECRET_C, role="third_party",
                           categories=("advertising",))]


def _signed_callback(client, task: FulfilmentTask, payload: dict, *, secret: str, timestamp: int | None = None,
                     signature: str | None = None, body: bytes | None = None):
    body = body if body is not None else json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "HTTP_X_MEDPRIVACY_TIMESTAMP": str(timestamp),
        "HTTP_X_MEDPRIVACY_SIGNATURE": signature or connectors.sign(secret=secret, timestamp=timestamp, body=body),
        "HTTP_X_MEDPRIVACY_REQUEST_ID": task.request_id,
    }
    return client.post(reverse("fulfilment:callback", args=[task.request_id]), data=body,
                       content_type="application/json", **headers)


@time_machine.travel(T0, tick=False)
def test_a_verified_erasure_fans_out_one_signed_request_per_webhook_system(three_systems, stand_in):
    dsr = verified_case(right="erasure", subject__email="ana@example.com", subject__full_name="Ana Lima")
    tasks = fulfilment.fulfilment_create_tasks(dsr=dsr, actor=None)
    assert sorted((t.system.name, t.action) for t in tasks) == [
        ("Ad network", "notify"), ("CRM", "delete"), ("Support desk", "delete")]

    assert fulfilment.fulfilment_retry_sweep() == {"accepted": 3}

    assert sorted(r.path for r in stand_in.received) == ["/a", "/b", "/c"]
    assert all(r.signature_ok for r in stand_in.received)
    by_path = {r.path: r for r in stand_in.received}
    crm = task_of(dsr, "CRM")
    sent = by_path["/a"].json
    assert sent["action"] == "delete" and sent["right"] == "erasure"
    assert sent["request_id"] == crm.request_id == by_path["/a"].headers["x-medprivacy-request-id"]
    assert sent["subject"] == {"email": "ana@example.com", "name": "Ana Lima"}
    assert sent["callback_url"].endswith(f"/fulfilment/callback/{crm.request_id}/")
    assert by_path["/c"].json["action"] == "notify"
    # 202: every task waits for its callback; nothing is resent before the callback timeout.
    crm.refresh_from_db()
    assert crm.state == "open" and crm.awaiting_callback_since == T0
    assert crm.next_attempt_at == T0 + dt.timedelta(hours=24)
    assert fulfilment.fulfilment_retry_sweep() == {}
    assert len(stand_in.received) == 3
    with pytest.raises(fulfilment.FulfilmentBlocked, match="3 fulfilment task"):
        fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=None)


@time_machine.travel(T0, tick=False)
def test_a_late_callback_completes_the_task_with_its_data_and_file(three_systems, stand_in, client):
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()
    task = task_of(dsr, "CRM")

    payload = {"status": "done", "data": {"deleted_records": 4}, "message": "Deleted",
               "files": [{"name": "receipt.txt", "content_base64": base64.b64encode(b"deleted 4").decode(),
                          "content_type": "text/plain"}]}
    response = _signed_callback(client, task, payload, secret=SECRET_A)

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.state == "done" and task.completed_at == T0
    assert task.result["data"] == {"deleted_records": 4}
    evidence = task.evidence.get()
    assert evidence.source == "webhook" and evidence.file.read() == b"deleted 4"
    assert task.history.first().history_change_reason == "Done"
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.TASK, summary__contains="CRM").exists()
    assert WebhookLog.objects.filter(task=task, direction="callback", outcome="completed").count() == 1


@time_machine.travel(T0, tick=False)
def test_an_immediate_answer_completes_the_task(three_systems, stand_in):
    stand_in.answers["/b"] = (200, {"status": "not_found", "message": "No such customer"})
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert fulfilment.fulfilment_retry_sweep() == {"accepted": 2, "completed": 1}
    assert task_of(dsr, "Support desk").state == "not_found"


@time_machine.travel(T0, tick=False)
def test_a_badly_signed_callback_is_refused_logged_without_personal_data(three_systems, stand_in, client,
                                                                           caplog):
    dsr = verified_case(right="erasure", subject__email="secret.person@example.com")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()
    task = task_of(dsr, "CRM")

    with caplog.at_level(logging.INFO):
        wrong_key = _signed_callback(client, task, {"status": "done"}, secret=SECRET_B)  # another system's secret
        unsigned = client.post(reverse("fulfilment:callback", args=[task.request_id]), data=b'{"status":"done"}',
                               content_type="application/json")

    assert wrong_key.status_code == 401 and wrong_key.json() == {"error": "The signature does not match."}
    assert unsigned.status_code == 401 and "not signed" in unsigned.json()["error"]
    task.refresh_from_db()
    assert task.state == "open"
    assert list(WebhookLog.objects.filter(task=task, direction="callback").values_list("outcome", flat=True)) == [
        "bad_signature", "bad_signature"]
    assert "secret.person" not in caplog.text and task.request_id not in caplog.text


@time_machine.travel(T0, tick=False)
def test_a_replayed_callback_is_refused(three_systems, stand_in, client):
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()
    task = task_of(dsr, "CRM")
    first = _signed_callback(client, task, {"status": "done"}, secret=SECRET_A)
    replay = _signed_callback(client, task, {"status": "done"}, secret=SECRET_A)

    assert first.status_code == 200
    assert replay.status_code == 401 and "replay" in replay.json()["error"]
    assert WebhookLog.objects.filter(task=task, outcome="replay").count() == 1


def test_a_stale_callback_is_refused(three_systems, stand_in, client):
    with time_machine.travel(T0, tick=False):
        dsr = verified_case(right="erasure")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
        fulfilment.fulfilment_retry_sweep()
        task = task_of(dsr, "CRM")
        signed_at = int(time.time())
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        response = _signed_callback(client, task, {"status": "done"}, secret=SECRET_A, timestamp=signed_at)
    assert response.status_code == 401 and "300 seconds" in response.json()["error"]
    task.refresh_from_db()
    assert task.state == "open"


@time_machine.travel(T0, tick=False)
def test_bad_callbacks_get_clear_4xx_answers_and_change_nothing(three_systems, stand_in, client):
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    fulfilment.fulfilment_retry_sweep()
    task = task_of(dsr, "CRM")

    unknown = client.post(reverse("fulfilment:callback", args=["nope"]), data=b"{}", content_type="application/json")
    not_json = _signed_callback(client, task, {}, secret=SECRET_A, body=b"not json")
    bad_status = _signed_callback(client, task, {"status": "maybe"}, secret=SECRET_A)
    bad_file = _signed_callback(client, task, {"status": "done", "files": [{"name": "x", "content_base64": "@@"}]},
                                secret=SECRET_A)
    wrong_method = client.get(reverse("fulfilment:callback", args=[task.request_id]))
    other_id = client.post(reverse("fulfilment:callback", args=[task.request_id]), data=b"{}",
                           content_type="application/json", HTTP_X_MEDPRIVACY_REQUEST_ID="another")
    too_big = client.post(reverse("fulfilment:callback", args=[task.request_id]), data=b"{}",
                          content_type="application/json", CONTENT_LENGTH="99999999")

    assert unknown.status_code == 404
    assert not_json.status_code == 400 and not_json.json() == {"error": "The body is not JSON."}
    assert bad_status.status_code == 400 and "status" in bad_status.json()["error"]
    assert bad_file.status_code == 400 and "base64" in bad_file.json()["error"]
    assert wrong_method.status_code == 405
    assert other_id.status_code == 400 and "does not match" in other_id.json()["error"]
    assert too_big.status_code == 413
    task.refresh_from_db()
    assert task.state == "open" and not task.evidence.exists()
    # A valid callback after the refused ones is still accepted (no half-written record blocks it).
    assert _signed_callback(client, task, {"status": "done"}, secret=SECRET_A).status_code == 200


def test_a_system_that_is_down_is_retried_with_backoff_then_failed_and_the_case_stays_blocked(
        settings, private_storage):
    settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS = 3
    settings.MEDPRIVACY_WEBHOOK_BACKOFF_SECONDS = 60
    only_systems()
    webhook_system("Legacy CRM", closed_port_url(), SECRET_A)
    with time_machine.travel(T0, tick=False) as clock:
        dsr = verified_case(right="erasure")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
        task = task_of(dsr, "Legacy CRM")

        assert fulfilment.fulfilment_retry_sweep() == {"retry": 1}
        task.refresh_from_db()
        assert (task.attempts, task.next_attempt_at) == (1, T0 + dt.timedelta(seconds=60))
        assert "unreachable" in task.last_error

        clock.shift(dt.timedelta(seconds=59))
        assert fulfilment.fulfilment_retry_sweep() == {}  # not due yet

        clock.shift(dt.timedelta(seconds=1))
        assert fulfilment.fulfilment_retry_sweep() == {"retry": 1}
        task.refresh_from_db()
        assert (task.attempts, task.next_attempt_at) == (2, T0 + dt.timedelta(seconds=60 + 120))

        clock.shift(dt.timedelta(seconds=120))
        assert fulfilment.fulfilment_retry_sweep() == {"failed": 1}

    task.refresh_from_db()
    assert task.state == "failed" and task.attempts == 3 and task.next_attempt_at is None
    assert task.state_reason.startswith("No usable answer after 3 attempts")
    assert task.history.first().history_change_reason.startswith("Failed: No usable answer after 3 attempts")
    assert WebhookLog.objects.filter(task=task, direction="outbound", outcome="error").count() == 3
    assert fulfilment.fulfilment_retry_sweep() == {}
    dsr.refresh_from_db()
    assert dsr.is_open
    with pytest.raises(fulfilment.FulfilmentBlocked, match=r"Legacy CRM: delete \(failed\)"):
        fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=None)


@time_machine.travel(T0, tick=False)
def test_a_failed_task_can_be_retried_once_the_system_is_back(settings, stand_in, private_storage):
    settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS = 1
    only_systems()
    system = webhook_system("CRM", closed_port_url(), SECRET_A)
    dsr = verified_case(right="erasure")
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    assert fulfilment.fulfilment_retry_sweep() == {"failed": 1}

    system.webhook_url = stand_in.url("/a")
    fulfilment.system_save(system=system, actor=None, reason="Moved")
    stand_in.answers["/a"] = (200, {"status": "done"})
    with pytest.raises(fulfilment.FulfilmentError, match="needs a reason"):
        fulfilment.fulfilment_task_retry(task=task_of(dsr, "CRM"), actor=None, reason=" ")
    fulfilment.fulfilment_task_retry(task=task_of(dsr, "CRM"), actor=None, reason="System is back")
    assert fulfilment.fulfilment_retry_sweep() == {"completed": 1}
    fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=None)  # nothing blocks now


def test_a_system_answering_5xx_is_retried(three_systems, stand_in):
    stand_in.answers["/a"] = (503, {"error": "maintenance"})
    with time_machine.travel(T0, tick=False):
        dsr = verified_case(right="erasure")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
        assert fulfilment.fulfilment_retry_sweep() == {"accepted": 2, "retry": 1}
    task = task_of(dsr, "CRM")
    assert task.state == "open" and task.last_error == "HTTP 503"


def test_only_https_webhooks_outside_the_local_stand_in(settings):
    settings.DEBUG = False
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    connectors.check_webhook_url("https://crm.example.com/privacy")
    for url in ("http://crm.example.com/privacy", "http://127.0.0.1:8000/x", "ftp://crm.example.com/"):
        with pytest.raises(connectors.WebhookURLNotAllowed):
            connectors.check_webhook_url(url)
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    connectors.check_webhook_url("http://127.0.0.1:8000/x")
    with pytest.raises(connectors.WebhookURLNotAllowed):
        connectors.check_webhook_url("http://10.0.0.1/x")


def test_a_webhook_system_needs_a_long_secret_and_an_allowed_url(settings):
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    with pytest.raises(fulfilment.FulfilmentError, match="https://.*at least 32 characters"):
        webhook_system("Bad", "http://crm.example.com/", "short")


def test_an_accepted_task_without_a_callback_is_asked_again_then_failed(settings, three_systems, stand_in):
    settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS = 2
    settings.MEDPRIVACY_WEBHOOK_CALLBACK_TIMEOUT_HOURS = 24
    fulfilment_helpers.only_systems("CRM")
    with time_machine.travel(T0, tick=False) as clock:
        dsr = verified_case(right="erasure")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
        assert fulfilment.fulfilment_retry_sweep() == {"accepted": 1}
        clock.shift(dt.timedelta(hours=24))
        assert fulfilment.fulfilment_retry_sweep() == {"accepted": 1}  # asked again, same request id
        clock.shift(dt.timedelta(hours=23))
        assert fulfilment.fulfilment_retry_sweep() == {}
        clock.shift(dt.timedelta(hours=1))
        assert fulfilment.fulfilment_retry_sweep() == {"failed": 1}
    task = task_of(dsr, "CRM")
    assert [r.json["request_id"] for r in stand_in.received] == [task.request_id] * 2
    assert (task.state, task.state_reason) == ("failed", "Accepted but no callback came after 2 attempts")
    with pytest.raises(fulfilment.FulfilmentBlocked):
        fulfilment.fulfilment_assert_can_complete(dsr=dsr, actor=None)
