"""Erasure that keeps its promise: when an erasure case completes, everything about the requester is deleted or
irreversibly minimised, except the record the law requires (docs/retention.md, "Kept after a completed
erasure"), which the retention schedule deletes in its turn.

`erasure_notice` writes the part of the completion notice that says what was deleted, what is kept, under
which rule of the case's regime and until when; `subject_erase` does what it says, inside the completion's
transaction, after the notice is stored (the notice is the last e-mail the address receives).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction

from admt.services import admt_minimise
from consents import services as consent_services
from fulfilment import services as fulfilment
from medprivacy import clock
from outbox import services as outbox
from regimes.rules import RECORD_KEEPING
from requests_app.models import Case, CaseAttachment, Submission, VerificationToken
from retention import registry
from retention import selectors as retention_selectors
from retention import services as retention_services
from subjects.models import DataSubject
from timeline.models import TimelineEvent
from timeline.services import Actor, timeline_record

logger = logging.getLogger(__name__)

REQUEST_RECORDS = "privacy_request_records"
CONSENT_LEDGER = "consent_ledger"
NOTE_REMOVED = "(note removed when the requester's data was erased)"


@dataclass(frozen=True)
class KeptRecord:
    what: str
    rule: str
    until: dt.datetime | None


def _date(instant: dt.datetime | None) -> str:
    return f"{instant:%-d %B %Y}" if instant is not None else "the end of the period the rule sets"


def erasure_kept(dsr: Case, *, completed_at: dt.datetime) -> list[KeptRecord]:
    """Return what the portal keeps after erasing the requester of `dsr`, under the case regime's own rules."""
    rules = RECORD_KEEPING[dsr.regime]
    return [
        KeptRecord("A record of your request and of our answer: its reference, dates, type, how it reached us, "
                   "our decision, and this e-mail", rules.records,
                   retention_selectors.kept_until(category=REQUEST_RECORDS, event_at=completed_at)),
        KeptRecord("Your consent choices as \"not permitted\" for every purpose (and any opt-out you made), and a "
                   "suppression entry — a coded fingerprint of your e-mail address, not the address — so our "
                   "marketing systems never add you again", rules.consent,
                   retention_selectors.kept_until(category=CONSENT_LEDGER, event_at=completed_at)),
    ]


def erasure_notice(dsr: Case, *, completed_at: dt.datetime | None = None) -> str:
    """Return the completion notice's account of an erasure: deleted where, kept what, under which rule, until when."""
    completed_at = completed_at or clock.now()
    summary = fulfilment.fulfilment_erasure_summary(dsr)
    names = lambda items: ", ".join(item["system"] for item in items)  # noqa: E731
    lines = []
    if summary["done"]:
        lines.append(f"We deleted or de-identified your information in: {names(summary['done'])}.")
    if summary["notified"]:
        lines.append(f"We told these recipients to delete it too: {names(summary['notified'])}.")
    if summary["not_found"]:
        lines.append(f"We found nothing about you in: {names(summary['not_found'])}.")
    if summary["unfinished"]:
        lines.append(f"Still in progress: {names(summary['unfinished'])}.")
    lines.append("In this portal we deleted your name, e-mail address and phone number, the details you wrote, "
                 "the files uploaded with your request, the copies of your data we prepared or received from "
                 "other systems, and our earlier e-mails to you.")
    lines += ["", "What we keep, under which rule, and until when:"]
    for kept in erasure_kept(dsr, completed_at=completed_at):
        lines.append(f"- {kept.what}. Rule: {kept.rule}. Until: {_date(kept.until)}; then we delete it.")
    for item in summary["kept"]:
        if not item.get("record"):  # a system's own exception (a legal hold, a clinic that decides)
            lines.append(f"- {item['system']} ({item['what']}): {item['exception'].lower()}. {item['reason']}")
    lines.append("We will not send you any further e-mail.")
    return "\n".join(lines)


def _target(model: type, category: str) -> registry.RetentionTarget:
    """The registered target of `model` under `category` (its declared personal fields and files)."""
    for target in registry.targets_for_category(category):
        if target.model is model and target.anonymize:
            return target
    raise LookupError(f"no {category} target with anonymize declarations for {model._meta.label}")


def subject_erase(*, dsr: Case, actor: Actor) -> dict[str, int]:
    """Delete or minimise everything about the requester of a completed erasure case; return what was done.

    A legal hold on the person, one of their cases or request records postpones it (recorded on the
    timeline). Runs inside the caller's transaction; files go at once (storage deletes are idempotent).
    """
    subject = DataSubject.objects.select_for_update().get(pk=dsr.subject_id)
    if subject.erased_at is not None:
        return {}
    if retention_selectors.subject_is_held(subject_id=subject.pk):
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.OTHER, actor=actor,
                        summary="Erasure of the requester's data postponed: a legal hold covers their records")
        return {"held": 1}
    with transaction.atomic():
        counts: dict[str, int] = {}
        submission_ids = list(Submission.objects.filter(subject=subject).values_list("pk", flat=True))
        case_ids = list(Case.objects.filter(subject=subject).values_list("pk", flat=True))
        counts |= outbox.messages_erase(data_subject=subject)
        counts |= fulfilment.fulfilment_minimise(case_ids=case_ids)
        counts |= admt_minimise(case_ids=case_ids)
        counts |= consent_services.consents_record_erasure(subject=subject, dsr_reference=dsr.reference,
                                                           actor=actor)
        counts["timeline_notes"] = TimelineEvent.objects.filter(
            case_id__in=case_ids, kind=TimelineEvent.Kind.NOTE).exclude(summary=NOTE_REMOVED).update(
            summary=NOTE_REMOVED)
        counts["verification_tokens"] = VerificationToken.objects.filter(submission_id__in=submission_ids).delete()[0]
        attachments = CaseAttachment.objects.filter(case_id__in=case_ids)
        for attachment in attachments:
            attachment.file.storage.delete(attachment.file.name)
        counts["case_attachments"] = attachments.delete()[0]
        # The submissions' and the person's declared personal fields, in the rows and every history row.
        submission_done = retention_services.rows_erase(target=_target(Submission, REQUEST_RECORDS),
                                                        pks=submission_ids, anonymize=True)
        counts["submissions"] = submission_done.get("anonymized", 0)
        counts["files"] = counts.get("files", 0) + submission_done.get("files_removed", 0)
        retention_services.rows_erase(target=_target(DataSubject, REQUEST_RECORDS), pks=[subject.pk], anonymize=True)
        subject.refresh_from_db()
        subject._history_user = actor
        subject._change_reason = f"Erased on request ({dsr.reference})"
        subject.save()
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.OTHER, actor=actor,
                        summary="Requester's data erased; kept: the record of the request and the completion "
                                f"notice ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()) if v)})")
    logger.info("case %s: requester erased (%s)", dsr.pk, counts)
    return counts
