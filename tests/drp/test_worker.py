"""The real path of a status callback: the commit queues the first attempt, a real Celery worker makes it,
the agent's local HTTP server receives it."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from nacl.signing import SigningKey

from drp import services
from drp.models import Callback, CallbackAttempt, DrpRequest
from fulfilment.models import System
from medprivacy.celery import app
from requests_app.services import workbench
from tests.conftest import require_redis
from tests.factories import supervisor

from .conftest import AGENT_ID, BUSINESS_ID, AgentKit, sign, stamps

# Restore the seeded rows (data map, templates, purposes) afterwards, for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _wait_for(condition, *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def test_a_worker_makes_the_first_callback_attempt_after_commit(start_worker, client, callback_server):
    require_redis()
    app.control.purge()  # this worktree's own Redis db: drop tasks left by an earlier, interrupted run
    System.objects.update(is_active=False)
    worker = start_worker("drp", MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST="true",
                          MEDPRIVACY_DRP_BUSINESS_ID=BUSINESS_ID,
                          EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    kit = AgentKit(AGENT_ID, SigningKey.generate())
    services.agent_register(agent_id=AGENT_ID, verify_key=kit.verify_key_b64, name="Permission Slip")
    now = timezone.now()
    pairing = {"agent-id": AGENT_ID, "business-id": BUSINESS_ID, **stamps(now)}
    kit.token = client.post(f"/v1/agent/{AGENT_ID}", sign(kit.key, pairing), content_type="text/plain").json()["token"]
    body = {**kit.exercise_body("sale:opt-out", callback=callback_server.url), **stamps(now)}
    assert kit.post_exercise(client, body).status_code == 200

    drp = DrpRequest.objects.get()
    workbench.case_complete(dsr=drp.case, actor=supervisor(), outcome_summary="Opted out", response="Done.")
    _wait_for(lambda: callback_server.received, what="the worker to POST the status callback")

    assert [payload["status"] for payload in callback_server.received] == ["fulfilled"]
    _wait_for(lambda: Callback.objects.filter(state="delivered").exists(), timeout=10, what="the delivery record")
    assert list(CallbackAttempt.objects.values_list("number", "http_status", "worker")) == [(1, 200, "task")]
    assert b"drp.deliver_callback" in worker.log_path.read_bytes(), worker.output()
