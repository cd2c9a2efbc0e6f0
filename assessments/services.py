"""Every write of the risk-assessment register: drafts, approval, revisions, material changes, the end of
the processing, and the stored due dates and retention start they maintain.

Each service runs in one transaction, locks the rows it changes, records who and why in history, and
recomputes the processing's due dates (`assessments_refresh`), so the reminder sweep and the retention
purge read stored, indexed columns only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from assessments import rules
from assessments.models import MaterialChange, ProcessingActivity, ReviewReminder, RiskAssessment
from audit.services import audit_append
from medprivacy import clock

APPROVE_PERMISSION = "assessments.approve_riskassessment"
# The §7152 elements an officer writes; copied into a new revision, frozen once approved.
ELEMENT_FIELDS: tuple[str, ...] = (
    "triggers", "purpose", "categories", "minimum_necessary", "sources", "collection_method",
    "retention_by_category", "consumers_approx", "recipients", "admt_logic", "admt_assumptions",
    "admt_limitations", "admt_output", "admt_output_use", "benefits", "negative_impacts", "safeguards",
    "will_proceed", "contributors", "reviewers",
)
PROCESSING_FIELDS: tuple[str, ...] = ("name", "description", "started_on", "ended_on", "owner")


class AssessmentError(ValueError):
    """A write the register refuses; the message says why, for the officer."""


class AssessmentLocked(AssessmentError):
    """An approved or superseded assessment is not edited in place."""


class ApprovalRefused(AssessmentError):
    """Approval refused: `missing` lists each element §7152 requires that the assessment lacks."""

    def __init__(self, missing: list[rules.Missing]) -> None:
        self.missing = missing
        super().__init__(rules.refusal_message(missing))


def _policy() -> dict[str, Any]:
    return settings.MEDPRIVACY_ASSESSMENTS


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.office_zone())


def _parse_day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _people(rows: Any, *, dated: bool = False) -> tuple[rules.Person, ...]:
    if not isinstance(rows, list):
        return ()
    people = []
    for row in rows:
        row = row if isinstance(row, dict) else {}
        people.append(rules.Person(name=str(row.get("name") or ""), position=str(row.get("position") or ""),
                                   on=_parse_day(row.get("on")) if dated else None))
    return tuple(people)


def assessment_facts(assessment: RiskAssessment, *, approver: rules.Person | None = None) -> rules.AssessmentFacts:
    """Return the §7152 elements of `assessment` as plain values for the pure check."""
    retention = assessment.retention_by_category if isinstance(assessment.retention_by_category, dict) else {}
    return rules.AssessmentFacts(
        triggers=list(assessment.triggers or []), purpose=assessment.purpose,
        categories=list(assessment.categories or []), minimum_necessary=assessment.minimum_necessary,
        sources=assessment.sources, collection_method=assessment.collection_method,
        retention_by_category={str(k): str(v) for k, v in retention.items()},
        consumers_approx=assessment.consumers_approx, recipients=assessment.recipients,
        admt_logic=assessment.admt_logic, admt_assumptions=assessment.admt_assumptions,
        admt_limitations=assessment.admt_limitations, admt_output=assessment.admt_output,
        admt_output_use=assessment.admt_output_use, benefits=assessment.benefits,
        negative_impacts=assessment.negative_impacts, safeguards=assessment.safeguards,
        will_proceed=assessment.will_proceed, contributors=_people(assessment.contributors),
        reviewers=_people(assessment.reviewers, dated=True),
        systems_count=assessment.systems.count() if assessment.pk else 0,
        approver=approver or rules.Person(),
    )


def _save(obj, *, actor, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason[:100]
    obj.save()


# ---------------------------------------------------------------------------------------------------------
# Due dates and retention: stored, recomputed by every write
# ---------------------------------------------------------------------------------------------------------


def _carrier(revisions: list[RiskAssessment]) -> RiskAssessment | None:
    """The revision whose due date counts: the approved one, else the newest draft."""
    approved = [a for a in revisions if a.status == RiskAssessment.Status.APPROVED]
    if approved:
        return approved[0]
    drafts = [a for a in revisions if a.status == RiskAssessment.Status.DRAFT]
    return max(drafts, key=lambda a: a.revision) if drafts else None


def assessments_refresh(*, processing: ProcessingActivity) -> None:
    """Recompute the stored due date, reminder time and retention start of every revision of `processing`."""
    revisions = list(RiskAssessment.objects.select_for_update().filter(processing=processing).order_by("pk"))
    carrier = _carrier(revisions)
    lead = dt.timedelta(days=int(_policy()["reminder_lead_days"]))
    for assessment in revisions:
        due = None
        if assessment is carrier:
            changes = assessment.material_changes.values_list("changed_on", flat=True)
            due = rules.review_due(approved_on=assessment.approved_on, material_changes=list(changes),
                                   processing_started_on=processing.started_on,
                                   processing_ended_on=processing.ended_on)
        reminder_at = None
        if due is not None and not ReviewReminder.objects.filter(assessment=assessment, kind=due.kind,
                                                                 due_on=due.on).exists():
            reminder_at = _start_of(due.on - lead)
        retain_from = None
        if processing.ended_on is not None:
            # Five years after the later of the processing's end and this revision's completion.
            retain_from = max(_start_of(processing.ended_on), assessment.approved_at or assessment.created_at)
        values = {"review_due_on": due.on if due else None, "review_due_kind": due.kind if due else "",
                  "next_reminder_at": reminder_at, "retain_from": retain_from}
        if any(getattr(assessment, k) != v for k, v in values.items()):
            # Bookkeeping columns derived from the history-recorded fields: no history row of their own.
            RiskAssessment.objects.filter(pk=assessment.pk).update(**values)


# ---------------------------------------------------------------------------------------------------------
# Processing activities
# ---------------------------------------------------------------------------------------------------------


def processing_activity_create(*, name: str, actor, description: str = "", started_on: dt.date | None = None,
                               ended_on: dt.date | None = None, owner=None) -> ProcessingActivity:
    """Add a processing activity to the register."""
    activity = ProcessingActivity(name=name, description=description, started_on=started_on, ended_on=ended_on,
                                  owner=owner)
    with transaction.atomic():
        _save(activity, actor=actor, reason="Processing activity added to the register")
    return activity


def processing_activity_update(*, activity: ProcessingActivity, actor, reason: str = "",
                               **fields: Any) -> ProcessingActivity:
    """Change a processing activity (its end starts the retention period) and recompute its due dates."""
    unknown = set(fields) - set(PROCESSING_FIELDS)
    if unknown:
        raise TypeError(f"not fields of a processing activity: {sorted(unknown)}")
    with transaction.atomic():
        locked = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        if locked.ended_on and locked.started_on and locked.ended_on < locked.started_on:
            raise AssessmentError("The processing cannot end before it started.")
        _save(locked, actor=actor, reason=reason or "Processing activity changed")
        assessments_refresh(processing=locked)
    return locked


# ---------------------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------------------


def _elements(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ELEMENT_FIELDS)
    if unknown:
        raise TypeError(f"not elements of a risk assessment: {sorted(unknown)}")
    return values


def risk_assessment_create(*, processing: ProcessingActivity, actor, systems: Iterable | None = None,
                           **elements: Any) -> RiskAssessment:
    """Start the first draft of `processing`'s assessment (later revisions: `risk_assessment_revise`)."""
    with transaction.atomic():
        ProcessingActivity.objects.select_for_update().get(pk=processing.pk)
        if RiskAssessment.objects.filter(processing=processing).exists():
            raise AssessmentError("This processing already has an assessment: start a new revision of it.")
        assessment = RiskAssessment(processing=processing, revision=1, **_elements(elements))
        _save(assessment, actor=actor, reason="Risk assessment drafted")
        if systems is not None:
            assessment.systems.set(systems)
        assessments_refresh(processing=processing)
    assessment.refresh_from_db()
    return assessment


def risk_assessment_update(*, assessment: RiskAssessment, actor, systems: Iterable | None = None,
                           reason: str = "", **elements: Any) -> RiskAssessment:
    """Change a draft; an approved or superseded assessment is refused (start a new revision)."""
    with transaction.atomic():
        locked = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
        if not locked.is_editable:
            raise AssessmentLocked(f"Revision {locked.revision} is {locked.get_status_display().lower()} and is "
                                   "not edited in place: start a new revision.")
        for key, value in _elements(elements).items():
            setattr(locked, key, value)
        _save(locked, actor=actor, reason=reason or "Draft changed")
        if systems is not None:
            locked.systems.set(systems)
    locked.refresh_from_db()
    return locked


def risk_assessment_approve(*, assessment: RiskAssessment, approver, position: str,
                            name: str | None = None) -> RiskAssessment:
    """Approve a draft, recording the approver's name, position and the date; it supersedes the revision
    before it.

    Refused (PermissionDenied) for a user without the approve permission, and (ApprovalRefused) while any
    element §7152 requires is missing, naming each one.
    """
    if approver is None or not approver.is_active or not approver.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied("Only a user with the permission to approve risk assessments may approve one.")
    now = clock.now()
    today = clock.office_today(at=now)
    name = (name if name is not None else approver.get_full_name() or approver.get_username()).strip()
    with transaction.atomic():
        locked = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != RiskAssessment.Status.DRAFT:
            raise AssessmentLocked(f"Revision {locked.revision} is already {locked.get_status_display().lower()}.")
        missing = rules.missing_elements(assessment_facts(
            locked, approver=rules.Person(name=name, position=position.strip(), on=today)))
        if missing:
            raise ApprovalRefused(missing)
        previous = (RiskAssessment.objects.select_for_update()
                    .filter(processing_id=locked.processing_id, status=RiskAssessment.Status.APPROVED).first())
        if previous is not None:
            previous.status = RiskAssessment.Status.SUPERSEDED
            previous.superseded_at = now
            _save(previous, actor=approver, reason=f"Superseded by revision {locked.revision}")
        locked.status = RiskAssessment.Status.APPROVED
        locked.approved_at, locked.approved_on, locked.approved_by = now, today, approver
        locked.approver_name, locked.approver_position = name, position.strip()
        _save(locked, actor=approver, reason="Approved")
        audit_append(kind="risk_assessment.approved", obj=locked, actor=approver,
                     facts={"processing_id": locked.processing_id, "revision": locked.revision,
                            "approved_on": today.isoformat(),
                            "supersedes_id": previous.pk if previous is not None else None},
                     personal={"approver_name": name, "approver_position": locked.approver_position})
        assessments_refresh(processing=locked.processing)
    locked.refresh_from_db()
    return locked


def risk_assessment_revise(*, assessment: RiskAssessment, actor) -> RiskAssessment:
    """Start a new revision (a draft copy) of an approved assessment; it supersedes it once approved."""
    with transaction.atomic():
        ProcessingActivity.objects.select_for_update().get(pk=assessment.processing_id)
        source = RiskAssessment.objects.get(pk=assessment.pk)
        if source.status != RiskAssessment.Status.APPROVED:
            raise AssessmentError("Only the approved revision is revised; edit the draft instead.")
        if RiskAssessment.objects.filter(processing_id=source.processing_id,
                                         status=RiskAssessment.Status.DRAFT).exists():
            raise AssessmentError("A draft revision of this assessment already exists: finish that one.")
        latest = RiskAssessment.objects.filter(processing_id=source.processing_id).order_by("-revision").first()
        draft = RiskAssessment(processing_id=source.processing_id, revision=latest.revision + 1, supersedes=source,
                               **{name: getattr(source, name) for name in ELEMENT_FIELDS})
        draft.reviewers = []  # a new revision is reviewed anew
        _save(draft, actor=actor, reason=f"New revision of revision {source.revision}")
        draft.systems.set(source.systems.all())
        assessments_refresh(processing=source.processing)
    draft.refresh_from_db()
    return draft


def material_change_record(*, assessment: RiskAssessment, changed_on: dt.date, description: str,
                           actor) -> MaterialChange:
    """Record a material change to the processing of the approved assessment: an update is due 45 days on."""
    if not description.strip():
        raise AssessmentError("Describe the material change.")
    with transaction.atomic():
        locked = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != RiskAssessment.Status.APPROVED:
            raise AssessmentError("A material change is recorded on the approved revision of an assessment.")
        if locked.approved_on and changed_on < locked.approved_on:
            raise AssessmentError("The change is dated before this revision was approved; it is already covered.")
        change = MaterialChange(assessment=locked, changed_on=changed_on, description=description.strip(),
                                recorded_by=actor, recorded_at=clock.now())
        _save(change, actor=actor, reason="Material change recorded")
        assessments_refresh(processing=locked.processing)
    return change
