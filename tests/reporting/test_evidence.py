"""The evidence pack: its manifest matches its files, and it holds what the issue lists."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEntry
from fulfilment.models import FulfilmentTask
from medprivacy import roles
from requests_app.services import workbench
from tests.factories import make_case, officer, supervisor

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def worked_case(settings):
    roles.ensure_roles()
    boss, olivia = supervisor("boss"), officer("olivia")
    with time_machine.travel(NOW, tick=False):
        dsr = make_case(right="access", regime="ccpa")
        dsr = workbench.case_assign(dsr=dsr, assignee=olivia, actor=boss)
        dsr = workbench.case_verify_identity(dsr=dsr, actor=olivia, method="data_points", note="3 points")
        dsr = workbench.case_extend(dsr=dsr, actor=olivia, reason="Archive search")
    return dsr, boss, olivia


def read_zip(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_evidence_pack_manifest_matches_and_holds_what_is_listed(worked_case, tmp_path):
    dsr, _, _ = worked_case
    out = tmp_path / "pack.zip"
    call_command("evidence_pack", dsr.reference, "--out", str(out))
    files = read_zip(out.read_bytes())
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["case"] == dsr.reference
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    for name, data in files.items():
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert listed[name]["size"] == len(data)
    assert {"summary.html", "timeline.json", "verification.json", "deadlines.json", "fulfilment.json",
            "audit.json", "messages/index.json"} <= set(files)
    # Every message as sent: the extension notice, matching the digest the chain stored when it was written.
    index = json.loads(files["messages/index.json"])
    notice = next(m for m in index if m["template_key"] == "extension_notice")
    assert notice["matches_audit_digest"] is True
    assert b"Archive search" in files[notice["file"]]
    message = dsr.submission.messages.get(template_key="extension_notice")
    assert f"Message-ID: {message.message_id}".encode() in files[notice["file"]]
    # The verification decision and its kind, not identity documents.
    verification = json.loads(files["verification.json"])
    assert verification["method"] == "Two data points matched"
    # The deadline computation with its rule and citation.
    deadline = json.loads(files["deadlines.json"])
    assert deadline["rule_citation"].startswith("Cal. Civ. Code §1798.110")
    assert deadline["extension"]["citation"] == "Cal. Civ. Code §1798.130(a)(2)"
    assert deadline["stored"]["due_on"] == dsr.due_on.isoformat() == deadline["computed"]["extended_respond_by"]
    # Each system's fulfilment confirmation.
    tasks = json.loads(files["fulfilment.json"])
    expected = FulfilmentTask.objects.filter(case=dsr).order_by("pk")
    assert [t["system"] for t in tasks] == [t.system.name for t in expected] and tasks
    assert all(t["state"] == "open" for t in tasks)
    # The audit-chain segment, each entry re-hashed, and the whole chain's verification.
    audit = json.loads(files["audit.json"])
    assert audit["chain"]["intact"] is True and audit["all_entries_verified"] is True
    kinds = {e["kind"] for e in audit["entries"]}
    assert {"case.created", "case.status_changed", "timeline.event", "message.stored"} <= kinds
    summary = files["summary.html"].decode()
    assert dsr.reference in summary and "Cal. Civ. Code §1798.130(a)(2)" in summary
    # Producing the pack is itself recorded, with the manifest's digest.
    built = AuditEntry.objects.filter(kind="evidence_pack.built").get()
    assert built.facts["reference"] == dsr.reference


def test_evidence_pack_shows_a_broken_chain_and_an_altered_message(worked_case):
    from django.db import connection

    from reporting.evidence import evidence_pack_build

    dsr, _, _ = worked_case
    message = dsr.submission.messages.get(template_key="extension_notice")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {message._meta.db_table} SET body_text = 'rewritten' WHERE id = %s", [message.pk])
        cursor.execute("UPDATE audit_auditentry SET kind = 'x' WHERE sequence = 2")
    files = read_zip(evidence_pack_build(dsr=dsr))
    index = json.loads(files["messages/index.json"])
    assert next(m for m in index if m["message_id"] == message.pk)["matches_audit_digest"] is False
    audit = json.loads(files["audit.json"])
    assert audit["chain"]["intact"] is False and audit["chain"]["broken_at"] == 2


def test_evidence_pack_verifies_from_the_last_checkpoint_and_still_flags_older_tampering(worked_case):
    from django.db import connection

    from audit.services import audit_checkpoint_record
    from reporting.evidence import evidence_pack_build

    dsr, _, olivia = worked_case
    checkpoint = audit_checkpoint_record()
    workbench.case_add_note(dsr=dsr, actor=olivia, text="Called the requester")
    audit = json.loads(read_zip(evidence_pack_build(dsr=dsr))["audit.json"])
    assert audit["chain"]["intact"] and audit["chain"]["verified_from"] == checkpoint.sequence
    assert audit["all_entries_verified"]
    first = AuditEntry.objects.filter(case_id=dsr.pk).order_by("sequence").first()
    with connection.cursor() as cursor:  # before the checkpoint: the entry itself no longer re-hashes
        cursor.execute("UPDATE audit_auditentry SET actor_id = 999 WHERE sequence = %s", [first.sequence])
    audit = json.loads(read_zip(evidence_pack_build(dsr=dsr))["audit.json"])
    assert not audit["all_entries_verified"]
    assert [e["sequence"] for e in audit["entries"] if not e["hash_verified"]] == [first.sequence]
    with connection.cursor() as cursor:  # after the checkpoint: the chain walk from it breaks
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [checkpoint.sequence + 1])
    audit = json.loads(read_zip(evidence_pack_build(dsr=dsr))["audit.json"])
    assert audit["chain"]["intact"] is False and audit["chain"]["broken_at"] == checkpoint.sequence + 1


def test_evidence_pack_button_for_supervisors_and_the_assigned_officer_only(client, worked_case):
    dsr, boss, olivia = worked_case
    url = reverse("reporting:evidence_pack", args=[dsr.pk])
    oscar = officer("oscar")
    client.force_login(oscar)
    assert client.get(url).status_code == 404  # cannot even see the case
    workbench.case_share(dsr=dsr, actor=olivia, user=oscar, reason="second opinion")
    assert client.get(url).status_code == 403  # may look at the case, but it is not his
    client.force_login(olivia)
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).content.decode()
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "manifest.json" in read_zip(response.content)
    client.force_login(boss)
    assert client.get(url).status_code == 200


def test_evidence_pack_command_refuses_an_unknown_reference(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No case"):
        call_command("evidence_pack", "DSR-2026-999999", "--out", str(tmp_path / "x.zip"))


def test_evidence_summary_times_carry_the_zone_they_are_shown_in(worked_case):
    """Built from an officer's request (the office zone is active), a time is never labelled UTC by mistake."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from reporting.evidence import evidence_pack_build

    dsr, _, _ = worked_case
    with timezone.override(ZoneInfo("America/New_York")):
        summary = read_zip(evidence_pack_build(dsr=dsr))["summary.html"].decode()
    received = timezone.localtime(dsr.received_at, ZoneInfo("America/New_York"))
    assert f"{received:%Y-%m-%d %H:%M} {received.tzname()}" in summary
    assert " UTC" not in summary
