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
import redis
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from consents import services as consent_services
from fulfilment import services as fulfilment
from fulfilment.models import FulfilmentTask, System
from fulfilment.packages import access_package_build
from outbox import services as outbox
from outbox.models import Message
from requests_app.models import Case
from requests_app.services import workbench
from requests_app.workflow import Status
from retention import services as retention_services
from retention.models import PurgeRun
from tests import canary
from tests.conftest import require_postgres, require_redis
from tests.factories import supervisor
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import SECRET_A, only_systems, task_of

pytestmark = pytest.mark.django_db

stand_in = fulfilment_helpers.stand_in  # fixture
SEED = importlib.import_module("requests_app.migrations.0005_seed_data_map")
MOVED = importlib.import_module("fulfilment.migrations.0002_model_labels_follow_moved_models").RENAMED

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
    for row in SEED.SYSTEMS:  # the seeded data map (a transactional test elsewhere may have flushed it)
        row = dict(row)
        row["model_labels"] = [MOVED.get(label, label) for label in row.get("model_labels", [])]
        System.objects.get_or_create(name=row.pop("name"), defaults=row)
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
    # Every file the test's processes write lands under tmp_path: private storage, the mail directory, and
    # anything else; the whole tree is scanned.
    return {"roots": [tmp_path], "boss": supervisor()}


def run_worker() -> None:
    """Do what the worker and the beat sweeps would: connector attempts due, then every queued e-mail."""
    fulfilment.fulfilment_retry_sweep()
    for pk in Message.objects.filter(state=Message.State.QUEUED).values_list("pk", flat=True):
        outbox.message_deliver(message_id=pk)


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


def test_an_erasure_leaves_only_the_documented_record_and_then_nothing(client, world, tmp_path,
                                                                       django_capture_on_commit_callbacks):
    boss, roots = world["boss"], world["roots"]

    def committed():
        # After-commit side effects run as in production: the tasks go to the real Redis broker, whose
        # payloads the scanner reads (run_worker then does the work the worker would).
        return django_capture_on_commit_callbacks(execute=True)

    with time_machine.travel(T0, tick=False) as clock:
        with committed():
            erasure = file_request(client, tmp_path)
        access = Case.objects.get(right="access")
        run_worker()
        verify = re.search(r"/requests/verify/[^\s]+/", Message.objects.filter(to_email=EMAIL).first().body_text)
        with committed():
            assert client.get(verify.group()).status_code == 302
        for dsr in (access, erasure):
            with committed():
                workbench.case_assign(dsr=dsr, assignee=boss, actor=boss, reason="caseload")
                # An agent filed it with a signed authorization: the officer checks identity and authority.
                workbench.case_verify_identity(dsr=dsr, actor=boss, method="authority_checked")
        run_worker()  # the webhook and Django-model tasks go out
        for dsr in (access, erasure):
            for task in FulfilmentTask.objects.filter(case=dsr, state=FulfilmentTask.State.OPEN):
                with committed():
                    fulfilment.fulfilment_task_resolve(task=task, state="done", actor=boss,
                                                       notes=f"Checked by hand for {NAME}")
        assert not FulfilmentTask.objects.filter(state=FulfilmentTask.State.OPEN).exists()
        assert task_of(erasure, "Mailchimp (marketing e-mail)").result["source"] == "webhook"
        with committed():
            access_package_build(dsr=access, actor=boss)
            # Without the consumer's signed declaration only categories may be disclosed (11 CCR §7024(a)).
            workbench.case_complete(dsr=access, actor=boss, outcome_summary="Package sent",
                                    response="Your data is in the package.", outcome="complied_in_part")
        run_worker()

        # Before the erasure completes the canaries are everywhere: the scanner can find them.
        before = scan(roots)
        assert {place[0] for place in before} >= {"db", "file"}
        assert any(table.endswith("historicaldatasubject") for _, table, _ in before)

        clock.shift(dt.timedelta(days=2))
        with committed():
            workbench.case_complete(dsr=erasure, actor=boss, outcome_summary="Deleted everywhere",
                                    response="We have deleted your information.")
        run_worker()
        assert redis.Redis.from_url(settings.REDIS_URL).llen("celery") > 0  # broker payloads were scanned
        after = scan(roots)
        kept = documented_kept_columns()
        undocumented = sorted(p for p in after if not (p[0] == "db" and (p[1], p[2]) in kept)
                              and not (p[0] == "file" and "/outbox/" in p[1]))
        assert undocumented == []
        # What is kept is the completion notice, in the outbox and as the mail copy the file backend wrote.
        assert {(table, column) for kind, table, column in after if kind == "db"} >= {
            ("outbox_message", "to_email"), ("outbox_message", "body_text")}
        assert any(kind == "file" and "/mail/outbox/" in where for kind, where, _ in after)

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
