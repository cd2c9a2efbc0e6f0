"""Creating cases, changing their status, and the timeline: the core writes every other service uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, ProgrammingError, connection, transaction
from django.db.models import F
from django.utils import timezone

from admt.rules import RIGHT_ACTIONS as ADMT_TASK_RIGHTS
from admt.services import admt_case_start
from audit.services import audit_append
from compliance.rules import OUTCOME_FOR_STATUS
from consents.services import CONSENT_RIGHTS, consents_apply_request
from fulfilment.services import fulfilment_create_tasks
from medprivacy import clock
from regimes import deadlines
from regimes.conventions import current_conventions
from regimes.rules import REGIME_LABELS, RIGHT_LABELS
from requests_app.models import Case, ReferenceCounter, Submission
from requests_app.observers import case_written
from requests_app.workflow import STATUS_LABELS, TERMINAL, Status, check_transition
from timeline.models import TimelineEvent
from timeline.services import Actor, actor_label, timeline_record

# Other apps that must act on every audited change of a case (e.g. the DRP app's status callbacks) register
# here from their AppConfig.ready(); each is called inside the change's transaction with the saved case.
_CHANGE_LISTENERS: list[Callable[..., None]] = []


def case_change_listener_register(listener: Callable[..., None]) -> None:
    """Call `listener(dsr=)` after every audited change of a case, in its transaction (idempotent)."""
    if listener not in _CHANGE_LISTENERS:
        _CHANGE_LISTENERS.append(listener)


def case_changed(*, dsr: Case) -> None:
    """Tell the registered listeners that `dsr` changed (a status change, an extension, a verification…)."""
    for listener in _CHANGE_LISTENERS:
        listener(dsr=dsr)


def next_reference(*, year: int) -> str:
    """Hand out the next human reference for `year`, e.g. DSR-2026-000123: unique, increasing, never reused.

    On PostgreSQL the number comes from the year's own sequence (`requests_app_reference_<year>`), which
    never waits for another transaction: concurrent submissions do not queue behind one counter row held
    until each commits (issue 19). The price is a gap when a submission rolls back, which nothing relies
    on (the rules ask for a unique reference, not a gap-free one; the audit chain is the gap-free record).
    Elsewhere (SQLite, one writer at a time anyway) the `ReferenceCounter` row counts, gap-free.
    """
    if connection.vendor == "postgresql":
        return f"DSR-{year}-{_reference_sequence_next(year):06d}"
    for _ in range(2):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.get_or_create(year=year)
                ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
                last = ReferenceCounter.objects.select_for_update().get(year=year).last
            return f"DSR-{year}-{last:06d}"
        except IntegrityError:  # two first cases of a year raced on creating the counter row
            continue
    raise RuntimeError("could not allocate a case reference")


def reference_sequence_name(year: int) -> str:
    return f"requests_app_reference_{int(year):04d}"


def _reference_sequence_next(year: int) -> int:
    """Take the next number of the year's sequence, creating it on the year's first case."""
    name = reference_sequence_name(year)
    for _ in range(3):
        try:
            with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: a miss leaves no error
                cursor.execute("SELECT nextval(%s::regclass)", [name])
                return cursor.fetchone()[0]
        except (ProgrammingError, OperationalError):  # the year has no sequence yet
            pass
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # Start after every number already handed out: by the counter row (before sequences) or
                # by any case of that year (a restored backup, an import).
                cursor.execute(
                    "SELECT GREATEST("
                    " (SELECT last FROM requests_app_referencecounter WHERE year = %s),"
                    " (SELECT max(substring(reference FROM 10)::bigint) FROM requests_app_case"
                    "  WHERE reference LIKE %s AND substring(reference FROM 10) ~ '^[0-9]+$'), 0)",
                    [year, f"DSR-{int(year):04d}-%"])
                start = cursor.fetchone()[0] + 1
                cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" AS bigint START {int(start)}')
        except IntegrityError:  # another first case of the year created it at the same moment
            continue
    raise RuntimeError("could not allocate a case reference")


def deadlines_for(*, regime: str, right: str, received_at: dt.datetime, country: str | None,
                  paused_days: int = 0, subdivision: str | None = None) -> tuple[dt.date, deadlines.Deadlines]:
    """Return the receipt date in the requester's zone (else the regime's) and the dates the rules give."""
    conventions = current_conventions()
    received_on = deadlines.receipt_date(received_at, regime, conventions, country=country or None,
                                         subdivision=subdivision or None)
    dates = deadlines.compute_deadlines(regime=regime, right=right, received_on=received_on,
                                        country=country or None, paused_days=paused_days,
                                        conventions=conventions)
    return received_on, dates


def case_create(*, submission: Submission, right: str, regime: str, is_patient: bool = False,
                actor: Actor = None, reason: str = "Request received",
                acknowledged_at: dt.datetime | None = None) -> Case:
    """Create one case for one right of a submission, with its statutory dates and a timeline entry.

    `acknowledged_at`: the receipt acknowledgement the caller sends in the same transaction, stored with
    the first insert (one history row) instead of by a second save.
    """
    subject = submission.subject
    rule = deadlines.rule_for(regime, right)
    received_on, dates = deadlines_for(regime=regime, right=right, received_at=submission.received_at,
                                       country=subject.country, subdivision=subject.subdivision)
    needs_verification = rule.verification != "none" and not is_patient
    dsr = Case(
        reference=next_reference(year=received_on.year),
        submission=submission, subject=subject, right=right, regime=regime,
        status=Status.AWAITING_VERIFICATION if needs_verification else Status.VERIFIED,
        channel=submission.channel, received_at=submission.received_at, receipt_date=received_on,
        is_agent=submission.is_agent, is_patient=is_patient, verification_level=rule.verification,
        verified_at=None if needs_verification else timezone.now(),
        verification_method="" if needs_verification else "not required by the rules",
        acknowledge_by=dates.acknowledge_by, respond_by=dates.respond_by,
        extended_respond_by=dates.extended_respond_by, due_on=dates.respond_by,
        acknowledged_at=acknowledged_at if dates.acknowledge_by is not None else None,
    )
    dsr._history_user = actor
    dsr._change_reason = f"{reason}; receipt acknowledged" if dsr.acknowledged_at else reason
    dsr.save()
    audit_append(kind="case.created", obj=dsr, case_id=dsr.pk, actor=actor, facts={
        "reference": dsr.reference, "regime": regime, "right": right, "status": dsr.status,
        "receipt_date": received_on.isoformat(), "respond_by": dsr.respond_by.isoformat(),
        "rule_citation": rule.citation,
    })
    case_written(dsr)
    timeline_record(dsr=dsr, kind=TimelineEvent.Kind.RECEIVED, actor=actor, label=actor_label(actor, "requester"),
                    summary=f"{RIGHT_LABELS[dsr.right]} under {REGIME_LABELS[dsr.regime]}; "
                            f"respond by {dsr.respond_by.isoformat()}", at=submission.received_at)
    case_start_fulfilment(dsr=dsr, actor=actor)
    return dsr


class CaseWrite:
    """One audited write of a case in progress: the locked row and what the write will record.

    The service body changes `dsr` (the locked row) and may set `reason` (history and timeline), `summary`
    (the timeline text, when it should differ from the reason) and `kind`, and queue side effects with
    `on_commit`.
    """

    def __init__(self, *, dsr: Case, actor: Actor, kind: str, reason: str, summary: str | None) -> None:
        self.dsr = dsr
        self.actor = actor
        self.kind = kind
        self.reason = reason
        self.summary = summary
        self.after_commit: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the write's transaction has committed (never if it rolls back)."""
        self.after_commit.append(callback)


@contextmanager
def case_audited_write(*, dsr: Case, actor: Actor, kind: str = TimelineEvent.Kind.OTHER, reason: str = "",
                       summary: str | None = None, to: Status | str | None = None,
                       label: str | None = None) -> Iterator[CaseWrite]:
    """Write one case the audited way; every case service that changes a case goes through here.

    Lock the row (`select_for_update`), check the lifecycle transition to `to` (if given) and move the
    status (closing or verifying it as the status says), hand the locked row to the service body, then save
    it with who and why in its history, append its audit-chain entry, tell the case observers, append the
    timeline row (`label`: who acted when `actor` is None, e.g. "requester") and queue the side effects on
    commit. An exception in the body rolls all of it back.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=dsr.pk)
        # The timeline is a record: in the project's language (the tables' English), whoever's page wrote it.
        previous, previous_status = STATUS_LABELS[Status(locked.status)], locked.status
        if to is not None:
            target = Status(to)
            check_transition(locked.status, target)
            locked.status = target
        write = CaseWrite(dsr=locked, actor=actor, kind=kind, reason=reason, summary=summary)
        yield write
        if not (write.reason or "").strip():
            raise ValueError("A change of a case needs a reason")
        if to is not None:
            if target in TERMINAL and locked.closed_at is None:
                locked.closed_at = clock.now()
            if target in TERMINAL and not locked.outcome:  # unless the service named one ("complied_in_part")
                locked.outcome = OUTCOME_FOR_STATUS.get(target.value, "")
            if target == Status.VERIFIED and locked.verified_at is None:
                locked.verified_at = clock.now()
        locked._history_user = actor
        locked._change_reason = write.reason
        locked.save()
        audit_append(kind="case.status_changed" if to is not None else "case.changed", obj=locked,
                     case_id=locked.pk, actor=actor, facts={
                         "reference": locked.reference, "from": previous_status, "to": locked.status,
                         "timeline_kind": str(write.kind), "denial_ground": locked.denial_ground,
                         "due_on": locked.due_on.isoformat(), "extended": locked.extended_at is not None,
                     }, personal={"reason": write.reason, "outcome_summary": locked.outcome_summary})
        case_written(locked)  # observers (the §7102 case facts) follow the case in this transaction
        if write.summary is None and to is not None:
            write.summary = f"{previous} → {STATUS_LABELS[Status(locked.status)]}: {write.reason}"
        timeline_record(dsr=locked, kind=write.kind, actor=actor, label=label,
                        summary=write.reason if write.summary is None else write.summary)
        case_changed(dsr=locked)
        for callback in write.after_commit:
            transaction.on_commit(callback)
    dsr.refresh_from_db()


def case_change_status(*, dsr: Case, to: Status | str, actor: Actor, reason: str,
                       on_commit: Callable[[], None] | None = None, **fields) -> Case:
    """Move a case to `to` if the lifecycle allows it; record who and why in history and timeline.

    Extra `fields` are set in the same save (e.g. outcome_summary, denial_ground). Side effects
    passed as `on_commit` run only after the transaction commits.
    """
    if not reason or not reason.strip():
        raise ValueError("A status change needs a reason")
    with case_audited_write(dsr=dsr, actor=actor, to=to, reason=reason,
                            kind=TimelineEvent.Kind.STATUS_CHANGED) as write:
        for name, value in fields.items():
            setattr(write.dsr, name, value)
        if on_commit is not None:
            write.on_commit(on_commit)
    return write.dsr


def case_start_fulfilment(*, dsr: Case, actor: Actor = None) -> None:
    """Act on a case once its requester's identity is settled at the level the rules ask for.

    Rights that act on consents (withdraw consent, stop marketing, opt out of sale/sharing, limit sensitive
    use) write their ledger events at once; the ADMT rights get their tasks from the AI register
    (`admt.services.admt_case_start`); every right gets one fulfilment task per system of the data
    map that may hold the subject's data (idempotent). Patient cases are not acted on: the clinic controls that data
    and an officer redirects them. Called by every path that settles verification (intake at receipt for
    rights that need none, the e-mail link, an officer's identity check); safe to call twice.
    """
    if dsr.verified_at is None or dsr.needs_officer_verification or not dsr.is_open:
        return
    if dsr.right in ADMT_TASK_RIGHTS and (not dsr.is_patient or dsr.verification_level == "none"):
        # The AI register says which systems and recipients: a clinic's ADMT is forwarded to the clinic, so a
        # patient's ADMT opt-out is acted on too (it never waits for a verification it may not ask for).
        admt_case_start(dsr=dsr, actor=actor)
        return
    if dsr.is_patient:
        return
    if dsr.right in CONSENT_RIGHTS:
        events = consents_apply_request(subject=dsr.subject, right=dsr.right, dsr_reference=dsr.reference,
                                        actor=actor)
        if events:
            purposes = ", ".join(sorted({event.purpose.label for event in events}))
            timeline_record(dsr=dsr, kind=TimelineEvent.Kind.CONSENT, actor=actor,
                            summary=f"{len(events)} consent ledger event(s) recorded: {purposes}")
    fulfilment_create_tasks(dsr=dsr, actor=actor)
