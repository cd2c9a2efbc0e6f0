"""The evidence pack of one case: everything about it in one zip, with a manifest of SHA-256 digests.

Contents: `summary.html` (human-readable), `timeline.json`, `messages/*.eml` (each message exactly as
stored when it was sent) with `messages/index.json`, `verification.json` (decision and evidence kind, never
identity documents), `deadlines.json` (the computation with rule and citation), `fulfilment.json` (each
system's confirmation), `audit.json` (the case's audit-chain entries, each re-hashed, and the result of
verifying the whole chain) and `manifest.json` (name, size and SHA-256 of every other file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from audit import chain
from audit.selectors import audit_links_hold, audit_verify_recent
from audit.services import audit_append, audit_digest
from outbox.models import Message
from outbox.services import message_content
from regimes import deadlines
from regimes.conventions import current_conventions
from reporting import selectors
from requests_app.models import Case
from requests_app.services.cases import deadlines_for

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=_iso) + "\n").encode()


def _eml(message: Message) -> bytes:
    email = EmailMessage()
    email["From"] = settings.DEFAULT_FROM_EMAIL
    email["To"] = message.to_email or "(erased)"
    email["Subject"] = message.subject or "(erased)"
    email["Date"] = format_datetime(message.sent_at or message.created_at)
    if message.message_id:
        email["Message-ID"] = message.message_id
    for name, value in (message.headers or {}).items():
        email[name] = value
    email["X-MedPrivacy-Message"] = f"{message.pk} {message.template_key} {message.state}"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email.as_bytes()


def _deadline_computation(dsr: Case) -> dict:
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    conventions = current_conventions()
    received_on, computed = deadlines_for(regime=dsr.regime, right=dsr.right, received_at=dsr.received_at,
                                          country=dsr.subject.country, paused_days=dsr.paused_days)
    return {
        "regime": dsr.regime, "right": dsr.right, "rule_citation": rule.citation,
        "respond_clock": {"kind": rule.respond.kind, "n": rule.respond.n},
        "extension": ({"citation": rule.extension.citation, "n": rule.extension.n,
                       "open_ended": rule.extension.open_ended} if rule.extension else None),
        "pause_allowed": rule.pause_allowed, "time_zone": str(conventions.time_zone(dsr.regime)),
        "received_at_utc": dsr.received_at, "receipt_date": received_on, "paused_days": dsr.paused_days,
        "computed": {"acknowledge_by": computed.acknowledge_by, "respond_by": computed.respond_by,
                     "extended_respond_by": computed.extended_respond_by},
        "stored": {"acknowledge_by": dsr.acknowledge_by, "respond_by": dsr.respond_by,
                   "extended_respond_by": dsr.extended_respond_by, "due_on": dsr.due_on},
        "extended_at": dsr.extended_at, "extension_reason": dsr.extension_reason,
        "closed_at": dsr.closed_at,
        "answered_by_due_date": (None if dsr.closed_at is None else
                                 deadlines.receipt_date(dsr.closed_at, dsr.regime, conventions) <= dsr.due_on),
    }


def _audit_segment(dsr: Case, message_ids: list[int]) -> dict:
    entries = list(selectors.evidence_audit_entries(case_id=dsr.pk, message_ids=message_ids))
    links = audit_links_hold(entries=entries)
    rows = []
    for entry in entries:
        recomputed = chain.entry_hash(entry.previous_hash, entry.chain_fields())
        rows.append({"sequence": entry.sequence, "at": entry.at, "kind": entry.kind,
                     "object": f"{entry.object_type}#{entry.object_id}", "actor_id": entry.actor_id,
                     "facts": entry.facts, "content_digest": entry.content_digest,
                     "previous_hash": entry.previous_hash, "entry_hash": entry.entry_hash,
                     "hash_verified": recomputed == entry.entry_hash, "link_verified": links[entry.sequence]})
    recent, checkpoint = audit_verify_recent()
    return {"entries": rows,
            "all_entries_verified": all(r["hash_verified"] and r["link_verified"] for r in rows),
            "chain": {"intact": recent.ok, "verified_from": checkpoint.sequence if checkpoint else 1,
                      "checkpoint": ({"sequence": checkpoint.sequence, "hash": checkpoint.entry_hash,
                                      "at": checkpoint.at, "sent_to": checkpoint.sent_to} if checkpoint else None),
                      "entries_checked": recent.checked, "head_sequence": recent.head_sequence,
                      "head_hash": recent.head_hash, "broken_at": recent.broken_sequence, "problem": recent.problem},
            "how_to_check": "Each entry_hash is SHA-256 of previous_hash, a newline and the canonical JSON of "
                            "sequence, at, kind, object_type, object_id, actor_id, facts (with case_id) and "
                            "content_digest (audit/chain.py). The chain was verified here from the last daily "
                            "checkpoint (which verified everything before it) to the head; `manage.py "
                            "audit_verify` walks the whole chain."}


def evidence_pack_files(*, dsr: Case) -> dict[str, bytes]:
    """Every file of the pack but the manifest, by name."""
    dsr = selectors.evidence_case(case_id=dsr.pk)
    timeline = selectors.evidence_timeline(dsr=dsr)
    messages = selectors.evidence_messages(dsr=dsr)
    message_entries = selectors.evidence_message_digests(message_ids=[m.pk for m in messages])
    files: dict[str, bytes] = {}
    message_index = []
    for n, message in enumerate(messages, start=1):
        name = f"messages/{n:02d}-{message.template_key}.eml"
        files[name] = _eml(message)
        stored = message_entries.get(message.pk)
        message_index.append({
            "file": name, "message_id": message.pk, "template_key": message.template_key, "state": message.state,
            "created_at": message.created_at, "sent_at": message.sent_at,
            "matches_audit_digest": None if stored is None else stored == audit_digest(message_content(message)),
        })
    files["messages/index.json"] = _json(message_index)
    files["timeline.json"] = _json([{"at": e.at, "kind": e.kind, "actor": e.actor_label, "summary": e.summary,
                                     "message_id": e.message_id} for e in timeline])
    verification_events = [e for e in timeline if e.kind in ("verification_sent", "verified")]
    files["verification.json"] = _json({
        "level_required": dsr.verification_level, "verified_at": dsr.verified_at,
        "method": dsr.verification_method, "needs_officer_verification": dsr.needs_officer_verification,
        "events": [{"at": e.at, "kind": e.kind, "summary": e.summary} for e in verification_events],
        "note": "Identity documents are never kept; only the method and the decision are recorded.",
    })
    computation = _deadline_computation(dsr)
    files["deadlines.json"] = _json(computation)
    tasks = selectors.evidence_tasks(dsr=dsr)
    files["fulfilment.json"] = _json([{
        "system": t.system.name, "role": t.system.role, "action": t.action, "state": t.state,
        "exception": t.exception, "state_reason": t.state_reason, "completed_at": t.completed_at,
        "confirmation": {k: v for k, v in (t.result or {}).items() if k in ("status", "message", "counts")},
        "overridden_at": t.overridden_at, "override_reason": t.override_reason,
    } for t in tasks])
    segment = _audit_segment(dsr, [m.pk for m in messages])
    files["audit.json"] = _json(segment)
    files["summary.html"] = render_to_string("reporting/evidence_summary.html", {
        "dsr": dsr, "timeline": timeline, "messages": message_index, "deadline": computation, "tasks": tasks,
        "audit": segment, "generated_at": timezone.now(), "company": settings.COMPANY_NAME,
        "rule": deadlines.rule_for(dsr.regime, dsr.right),
    }).encode()
    return files


def manifest_for(files: dict[str, bytes], *, dsr: Case) -> dict:
    return {"case": dsr.reference, "generated_at": timezone.now().isoformat(), "algorithm": "sha256",
            "files": [{"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                      for name, data in sorted(files.items())]}


def evidence_pack_build(*, dsr: Case, actor: Any = None) -> bytes:
    """Build the zip of one case and record in the audit chain that it was produced (with its manifest hash)."""
    files = evidence_pack_files(dsr=dsr)
    manifest = _json(manifest_for(files, dsr=dsr))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted({**files, "manifest.json": manifest}.items()):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    audit_append(kind="evidence_pack.built", obj=dsr, case_id=dsr.pk, actor=actor,
                 facts={"reference": dsr.reference, "files": len(files) + 1,
                        "manifest_sha256": hashlib.sha256(manifest).hexdigest()})
    return buffer.getvalue()
