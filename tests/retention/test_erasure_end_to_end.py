"""Erasure keeps its promise, end to end on PostgreSQL: a request filed with unique canary values, verified,
fulfilled through every connector kind and completed leaves the canaries only in the documented kept
fields (docs/retention.md); once every retention period has passed and the scheduled purge has run as in
production (dry run, approval, live), it leaves them nowhere.

The scanner (tests/canary.py) discovers every table and column (history tables included), every stored
file, the mail directory, the Redis cache and broker and the test outbox; it knows no place in advance.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from consents import services as consent_services
from consents.models import ConsentMessage
from requests_app.models import Case, FulfilmentTask, Message, System
from requests_app.packages import access_package_build
from requests_app.services import fulfilment, messaging, workbench
from requests_app.workflow import Status
from retention import services as retention_services
from retention.models import PurgeRun
from tests import canary
from tests.conftest import require_postgres, require_redis
from tests.factories import supervisor
from tests.requests_app import fulfilment_helpers
from tests.requests_app.fulfilment_helpers import SECRET_A, only_systems, task_of

pytestmark = pytest.mark.django_db

stand_in = fulfilment_helpers.stand_in  # fixture

T0 = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
DOCS = Path(settings.BASE_DIR) / "docs" / "retention.md"

NAME = "Quillon Zebediah Canarywood"
EMAIL = "quillon.canarywood@example.org"
PHONE = "+1 415 555 7319"
ADDRESS = "742 Zanzibarian Lane, Fresno CA 93650"
STORY = "the radiology misplacement of Tuesday quokka-saga"
UPLOAD = "signature-of-quillon-upload-xq7"
AGENT_NAME = "Ottoline Agentbury"
AGENT_EMAIL = "ottoline.agentbury@example.net"
CANARIES = [NAME, EMAIL, PHONE, ADDRESS, STORY, UPLOAD, AGENT_NAME, AGENT_EMAIL]


@pytest.fixture
def world(settings, tmp_path, stand_in):
    require_postgres()
    require_redis()
    consent_services.purposes_seed()
    importlib.import_module("requests_app.migrations.0005_seed_data_map").seed(apps, None)  # flushed elsewhere
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    settings.EMAIL_BACKEND = "medprivacy.mail.MessageFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    settings.MEDPRIVACY_PURGE_REQUIRES_APPROVAL = True
    only_systems("MedPrivacy portal (this system)", "Mailchimp (marketing e-mail)", "Zendesk (customer support)",
                 "Advertising partners (third-party advertising cookies)")
    mailchimp = System.objects.get(name="Mailchimp (marketing e-mail)")
    mailchimp.access_method, mailchimp.webhook_url, mailchimp.webhook_secret = (
        System.Access.WEBHOOK, stand_in.url("/a"), SECRET_A)
    fulfilment.system_save(system=mailchimp, actor=None, reason="Test: reached by webhook")
    # The system answers with what it holds about the person: a copy of their data, and a file of it.
    export = {"contact": {"name": NAME, "email": EMAIL, "phone": PHONE, "address": ADDRESS, "notes": STORY}}
    stand_in.answers["/a"] = (200, {"status": "done", "data": export, "message": "3 records",
                                    "files": [{"name": "export.txt", "content_type": "text/plain",
                                               "content_base64": base64.b64encode(
                                                   f"{NAME};{EMAIL};{PHONE}".encode()).decode()}]})
    return {"roots": [tmp_path / "private", tmp_path / "mail"], "boss": supervisor()}


def run_worker() -> None:
    """Do what the worker and the beat sweeps would: connector attempts due, then every queued e-mail."""
    fulfilment.fulfilment_retry_sweep()
    for pk in Message.objects.filter(state=Message.State.QUEUED).values_list("pk", flat=True):
        messaging.message_deliver(message_id=pk)
    for pk in ConsentMessage.objects.filter(state=ConsentMessage.State.QUEUED).values_list("pk", flat=True):
        consent_services.consent_message_deliver(message_id=pk)


def scan(roots: list[Path]) -> set[tuple[str, str, str]]:
    hits = (canary.scan_database(CANARIES) + canary.scan_files(roots, CANARIES)
            + canary.scan_redis(settings.REDIS_URL, CANARIES) + canary.scan_outbox(CANARIES))
    return {h.place() for h in hits}


def documented_kept_columns() -> set[tuple[str, str]]:
    """The (table, column) pairs docs/retention.md lists as kept after a completed erasure."""
    text = DOCS.read_text()
    section = text.split("## Kept after a completed erasure", 1)[1].split("\n## ", 1)[0]
    return {(table, column) for table, column in re.findall(r"`([a-z_]+)\.([a-z_]+)`", section)}


def file_request(client, tmp_path) -> Case:
    upload = SimpleUploadedFile("permission.pdf", b"%PDF-1.7\n" + UPLOAD.encode() + b"\n%%EOF\n",
                                content_type="application/pdf")
    response = client.post("/requests/", {
        "country": "US", "subdivision": "CA", "rights": ["access", "erasure"], "full_name": NAME, "email": EMAIL,
        "relationship": "website_visitor", "declaration": "on", "details": f"Call me on {PHONE}; I live at "
        f"{ADDRESS}. About {STORY}.", "is_agent": "on", "agent_name": AGENT_NAME, "agent_email": AGENT_EMAIL,
        "authorization": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(right="erasure")


def test_an_erasure_leaves_only_the_documented_record_and_then_nothing(client, world, tmp_path):
    boss, roots = world["boss"], world["roots"]
    with time_machine.travel(T0, tick=False) as clock:
        erasure = file_request(client, tmp_path)
        access = Case.objects.get(right="access")
        run_worker()
        verify = re.search(r"/requests/verify/[^\s]+/", Message.objects.filter(to_email=EMAIL).first().body_text)
        assert client.get(verify.group()).status_code == 302
        for dsr in (access, erasure):
            workbench.case_assign(dsr=dsr, assignee=boss, actor=boss, reason="caseload")
            workbench.case_verify_identity(dsr=dsr, actor=boss, method="data_points")
        run_worker()  # the webhook and Django-model tasks go out
        for dsr in (access, erasure):
            for task in FulfilmentTask.objects.filter(case=dsr, state=FulfilmentTask.State.OPEN):
                fulfilment.fulfilment_task_resolve(task=task, state="done", actor=boss,
                                                   notes=f"Checked by hand for {NAME}")
        assert not FulfilmentTask.objects.filter(state=FulfilmentTask.State.OPEN).exists()
        assert task_of(erasure, "Mailchimp (marketing e-mail)").result["source"] == "webhook"
        access_package_build(dsr=access, actor=boss)
        workbench.case_complete(dsr=access, actor=boss, outcome_summary="Package sent",
                                response="Your data is in the package.")
        run_worker()

        # Before the erasure completes the canaries are everywhere: the scanner can find them.
        before = scan(roots)
        assert {place[0] for place in before} >= {"db", "file"}
        assert any(table.endswith("historicaldatasubject") for _, table, _ in before)

        clock.shift(dt.timedelta(days=2))
        workbench.case_complete(dsr=erasure, actor=boss, outcome_summary="Deleted everywhere",
                                response="We have deleted your information.")
        run_worker()
        after = scan(roots)
        kept = documented_kept_columns()
        undocumented = sorted(p for p in after if not (p[0] == "db" and (p[1], p[2]) in kept)
                              and not (p[0] == "file" and "/outbox/" in p[1]))
        assert undocumented == []

    # Every retention period passes; the scheduled purge runs as in production, on two days.
    later = T0 + dt.timedelta(days=37 * 31)
    for day in range(2):
        with time_machine.travel(later + dt.timedelta(days=day), tick=False):
            dry = retention_services.purge_run_plan(mode=PurgeRun.Mode.DRY_RUN, trigger=PurgeRun.Trigger.ADMIN,
                                                    actor=boss)
            waiting = retention_services.purge_scheduled()
            assert waiting.status == PurgeRun.Status.AWAITING_APPROVAL
            retention_services.purge_run_approve(run=waiting, actor=boss)
            done = retention_services.purge_run_execute(run=waiting)
            assert done.status == PurgeRun.Status.FINISHED
            planned = {i.target: i.due for i in dry.items.all()}
            assert planned == {i.target: i.due for i in done.items.all()}
            assert planned == {i.target: i.deleted + i.anonymized + i.flagged + i.failed for i in done.items.all()}
    assert scan(roots) == set()
    assert Case.objects.filter(status=Status.COMPLETED).count() == 0
