"""Every action a privacy officer takes on a case, each one service that checks, writes history and timeline.

The admin (and bulk actions) only call these. Each service re-checks the actor's object permission on the
case, so a forged POST naming someone else's case changes nothing, and each refuses what the rules refuse
with a `WorkbenchError` whose message names the rule.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from fulfilment.services import fulfilment_assert_can_complete, fulfilment_erasure_summary
from medprivacy import access, clock
from outbox.services import message_send
from regimes import deadlines
from regimes.rules import DENIAL_GROUNDS, REGIME_ABBREVIATIONS
from requests_app.models import Case, CaseAttachment, Channel, ControllerOrganization, Submission
from requests_app.services.cases import (
    case_audited_write,
    case_change_status,
    case_create,
    case_start_fulfilment,
    deadlines_for,
)
from requests_app.workflow import Status
from subjects.services import subject_upsert
from timeline.models import TimelineEvent
from timeline.services import timeline_record

logger = logging.getLogger(__name__)

User = AbstractBaseUser

# What an assignee gets on their case; a share gets only the first.
VIEW_PERM = "requests_app.view_case"
CHANGE_PERM = "requests_app.change_case"
ASSIGNEE_PERMS = (VIEW_PERM, CHANGE_PERM)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A receipt instant more than this before the entry needs a reason (a letter opened late, a voicemail).
BACKDATE_TOLERANCE = dt.timedelta(hours=1)

VERIFICATION_METHODS: dict[str, str] = {
    "email_link": "E-mail link confirmed",
    "account_login": "Signed in to their account",
    "data_points": "Data points matched",
    "signed_declaration": "Data points matched and signed declaration received",
    "id_document_checked": "ID checked (copy not kept)",
    "phone_callback": "Called back on the number we hold",
    "authority_checked": "Identity and authority of the representative checked",
}

MANUAL_CHANNELS = (Channel.PHONE, Channel.MAIL, Channel.EMAIL)


class WorkbenchError(ValueError):
    """An action the rules or the case's state refuse; the message says why, in words an officer can act on."""


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _require_change(actor: User, dsr: Case) -> None:
    """Refuse unless `actor` may work on this case (assignee, supervisor or superuser)."""
    if not access.case_can_change(user=actor, dsr=dsr):
        raise PermissionDenied(f"You may not work on case {dsr.pk}")


def _require_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise WorkbenchError(f"{what} is required")
    return value


# simple-history keeps a change reason in 100 characters; the full text is on the timeline.
REASON_MAX = 100


def _why(text: str) -> str:
    """Fit a reason into the history row, marking a cut."""
    text = " ".join(text.split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _case_context(dsr: Case) -> dict:
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    return {
        "dsr": dsr, "reference": dsr.reference, "right_label": dsr.get_right_display(),
        "due_on": dsr.due_on.isoformat(), "citation": rule.citation,
    }


def _refresh(dsr: Case) -> Case:
    dsr.refresh_from_db()
    return dsr


# ---------------------------------------------------------------------------------------------------------
# Assignment and sharing
# ---------------------------------------------------------------------------------------------------------


def case_assign(*, dsr: Case, assignee: User, actor: User, reason: str = "") -> Case:
    """Give `assignee` view and change permission on the case and take them from the previous assignee."""
    if not access.user_can_assign(user=actor):
        raise PermissionDenied("Only privacy supervisors assign cases")
    if not access.user_is_case_worker(user=assignee):
        raise WorkbenchError(f"{assignee.get_username()} is not an active privacy officer or supervisor")
    with case_audited_write(dsr=dsr, actor=actor, kind=TimelineEvent.Kind.ASSIGNED) as write:
        locked = write.dsr
        previous = locked.assignee
        if previous is not None and previous.pk == assignee.pk:
            raise WorkbenchError(f"The case is already assigned to {assignee.get_username()}")
        if previous is not None:
            for perm in ASSIGNEE_PERMS:
                remove_perm(perm, previous, locked)
        for perm in ASSIGNEE_PERMS:
            assign_perm(perm, assignee, locked)
        locked.assignee = assignee
        summary = (f"Reassigned from {previous.get_username()} to {assignee.get_username()}" if previous
                   else f"Assigned to {assignee.get_username()}")
        if reason.strip():
            summary += f": {reason.strip()}"
        write.reason, write.summary = _why(summary), summary
    logger.info("case %s assigned to user %s by user %s", dsr.pk, assignee.pk, actor.pk)
    return _refresh(dsr)


def case_share(*, dsr: Case, actor: User, user: User | None = None, group: Group | None = None,
               reason: str = "") -> Case:
    """Let a second officer or a group (e.g. legal) view the case; they cannot change it."""
    _require_change(actor, dsr)
    if (user is None) == (group is None):
        raise WorkbenchError("Share with exactly one officer or one group")
    if user is not None and not user.is_staff:
        raise WorkbenchError(f"{user.get_username()} has no staff access")
    with transaction.atomic():
        target = user if user is not None else group
        name = user.get_username() if user is not None else f"group {group.name}"
        summary = f"Shared (view only) with {name}" + (f": {reason.strip()}" if reason.strip() else "")
        with case_audited_write(dsr=dsr, actor=actor, kind=TimelineEvent.Kind.SHARED, reason=_why(summary),
                                summary=summary) as write:
            assign_perm(VIEW_PERM, target, write.dsr)
    return _refresh(dsr)


# ---------------------------------------------------------------------------------------------------------
# Identity, clarification and the clock
# ---------------------------------------------------------------------------------------------------------


def case_verify_identity(*, dsr: Case, actor: User, method: str, note: str = "") -> Case:
    """Record how the requester's identity was confirmed; any document seen is not kept, only the fact."""
    _require_change(actor, dsr)
    if method not in VERIFICATION_METHODS:
        raise WorkbenchError(f"Choose a verification method: {', '.join(VERIFICATION_METHODS.values())}")
    label = VERIFICATION_METHODS[method]
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=dsr.pk)
        flagged = locked.needs_officer_verification
        if locked.verified_at is not None and not flagged and Status(locked.status) != Status.AWAITING_REQUESTER:
            raise WorkbenchError(f"The requester's identity was already verified ({locked.verification_method})")
        if locked.paused_since is not None:
            _resume_clock(dsr=locked, actor=actor, why="identity information received")
        reason = f"Identity verified: {label}" + (f". {note.strip()}" if note.strip() else "")
        if Status(locked.status) == Status.VERIFIED:
            # E-mail confirmed the address already; the officer now settles the level the rules ask for.
            with case_audited_write(dsr=locked, actor=actor, kind=TimelineEvent.Kind.VERIFIED,
                                    reason=_why(reason), summary=reason) as write:
                write.dsr.verification_method, write.dsr.needs_officer_verification = label, False
                write.dsr.verified_at = clock.now()
        else:
            locked = case_change_status(dsr=locked, to=Status.VERIFIED, actor=actor, reason=_why(reason),
                                        verification_method=label, needs_officer_verification=False,
                                        verified_at=clock.now())
            timeline_record(dsr=locked, kind=TimelineEvent.Kind.VERIFIED, actor=actor, summary=reason)
        case_start_fulfilment(dsr=locked, actor=actor)
    return _refresh(dsr)


def case_request_info(*, dsr: Case, actor: User, kind: str, question: str, pause: bool = True) -> Case:
    """Ask the requester for a clarification or more identity information, pausing the clock where allowed.

    Where the rule allows no pause (e.g. CCPA: the 45 days run regardless of verification) a pause is
    refused with the rule's own words; the officer may still ask with `pause=False`.
    """
    _require_change(actor, dsr)
    if kind not in ("clarification", "identity"):
        raise WorkbenchError("Ask for a clarification or for identity information")
    question = _require_text(question, "The question to the requester")
    if pause:
        try:  # the engine decides, conventions included (GDPR pauses can be switched off by counsel)
            deadlines_for(regime=dsr.regime, right=dsr.right, received_at=dsr.received_at,
                          country=dsr.subject.country, paused_days=dsr.paused_days + 1)
        except deadlines.PauseNotAllowedError as exc:
            raise WorkbenchError(f"The clock cannot be paused: {exc}") from exc
    with transaction.atomic():
        now = timezone.now()
        what = "a clarification" if kind == "clarification" else "identity information"
        reason = f"Asked the requester for {what}" + ("; clock paused" if pause else "; clock keeps running")
        fields = {"paused_since": now} if pause else {}
        locked = case_change_status(dsr=dsr, to=Status.AWAITING_REQUESTER, actor=actor, reason=_why(reason), **fields)
        if pause:
            timeline_record(dsr=locked, kind=TimelineEvent.Kind.PAUSED, actor=actor,
                            summary=f"Clock paused while awaiting {what} (due date {locked.due_on.isoformat()} "
                                    "moves by the days paused)")
        context = {**_case_context(locked), "question": question, "paused": pause,
                   "paused_on": clock.regime_today(locked.regime).isoformat()}
        message_send(submission=locked.submission, cases=[locked], actor=actor, context=context,
                     template_key="clarification_request" if kind == "clarification" else "identity_request")
    return _refresh(dsr)


def _resume_clock(*, dsr: Case, actor: User | None, why: str) -> int:
    """Add the days paused to the case and recompute its due date; return the days just added."""
    try:
        with case_audited_write(dsr=dsr, actor=actor, kind=TimelineEvent.Kind.RESUMED) as write:
            days = _resume_paused(write, why=why)
    except _NotPaused:
        return 0
    return days


class _NotPaused(Exception):
    """The clock is running already: nothing to resume (the write is rolled back)."""


def _resume_paused(write, *, why: str) -> int:
    """Move the due date of the locked case by the days it was paused; refuse when it is not paused."""
    locked = write.dsr
    if locked.paused_since is None:
        raise _NotPaused
    days = max((clock.regime_today(locked.regime)
                - clock.regime_today(locked.regime, at=locked.paused_since)).days, 0)
    total = locked.paused_days + days
    _, dates = deadlines_for(regime=locked.regime, right=locked.right, received_at=locked.received_at,
                             country=locked.subject.country, paused_days=total)
    previous_due = locked.due_on
    if locked.extended_at is not None and dates.extended_respond_by is not None:
        locked.due_on = dates.extended_respond_by
    elif locked.extended_at is None:
        locked.due_on = dates.respond_by
    else:  # an open-ended (Swiss) extension: the officer's chosen date moves by the pause
        locked.due_on = locked.due_on + dt.timedelta(days=days)
    locked.paused_days = total
    locked.paused_since = None
    summary = (f"Clock resumed ({why}) after {days} day{'s' if days != 1 else ''} paused; due "
               f"{previous_due.isoformat()} → {locked.due_on.isoformat()}")
    write.reason, write.summary = _why(summary), summary
    return days


def case_resume(*, dsr: Case, actor: User, note: str = "") -> Case:
    """The requester answered: restart the clock (adding the days paused) and go back to work."""
    _require_change(actor, dsr)
    if Status(dsr.status) != Status.AWAITING_REQUESTER:
        raise WorkbenchError("The case is not waiting for the requester")
    with transaction.atomic():
        _resume_clock(dsr=dsr, actor=actor, why="requester answered")
        target = Status.IN_PROGRESS if dsr.verified_at is not None else Status.AWAITING_VERIFICATION
        case_change_status(dsr=dsr, to=target, actor=actor,
                           reason=_why("Requester answered" + (f": {note.strip()}" if note.strip() else "")))
    return _refresh(dsr)


def case_start_work(*, dsr: Case, actor: User, note: str = "") -> Case:
    """Mark a verified case as being worked on."""
    _require_change(actor, dsr)
    case_change_status(dsr=dsr, to=Status.IN_PROGRESS, actor=actor,
                       reason=_why("Work started" + (f": {note.strip()}" if note.strip() else "")))
    return _refresh(dsr)


def case_extend(*, dsr: Case, actor: User, reason: str, extend_to: dt.date | None = None) -> Case:
    """Extend the deadline once, on or before the original one, with a reason; notify the requester.

    `extend_to` is only for rules whose extension has no fixed length (Swiss FADP: name a date).
    """
    _require_change(actor, dsr)
    reason = (reason or "").strip()
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    with transaction.atomic():
        with case_audited_write(dsr=dsr, actor=actor, kind=TimelineEvent.Kind.EXTENDED) as write:
            locked = write.dsr
            if not locked.is_open:
                raise WorkbenchError(f"The case is {locked.get_status_display().lower()}; "
                                     "only open cases are extended")
            # The original deadline, moved only by pauses (due_on until an extension moves it further).
            original = locked.due_on
            allowed, why = deadlines.can_extend(rule, today=clock.regime_today(locked.regime),
                                                respond_by=original, already_extended=locked.extended_at is not None)
            if not allowed:
                raise WorkbenchError(why)
            if not reason:
                raise WorkbenchError(f"{REGIME_ABBREVIATIONS[rule.regime]} requires the reasons for an extension "
                                     f"in the notice to the requester ({rule.extension.citation}); give a reason")
            if rule.extension.open_ended:
                if extend_to is None or extend_to <= original:
                    raise WorkbenchError(f"Name the date, after {original.isoformat()}, by which the requester "
                                         f"will get the answer ({rule.extension.citation})")
                new_due = extend_to
            else:
                _, dates = deadlines_for(regime=locked.regime, right=locked.right,
                                         received_at=locked.received_at, country=locked.subject.country,
                                         paused_days=locked.paused_days)
                new_due = dates.extended_respond_by
            locked.extended_at = clock.now()
            locked.extension_reason = reason
            locked.due_on = new_due
            summary = (f"Extended ({rule.extension.citation}): due {original.isoformat()} → "
                       f"{new_due.isoformat()}: {reason}")
            write.reason, write.summary = _why(summary), summary
        context = {**_case_context(dsr), "citation": rule.extension.citation, "reason": reason,
                   "original_due_on": original.isoformat(), "new_due_on": new_due.isoformat()}
        message_send(submission=dsr.submission, template_key="extension_notice", cases=[dsr], actor=actor,
                     context=context)
    return _refresh(dsr)


# ---------------------------------------------------------------------------------------------------------
# Closing a case
# ---------------------------------------------------------------------------------------------------------


def case_complete(*, dsr: Case, actor: User, outcome_summary: str, response: str,
                  override_reason: str | None = None) -> Case:
    """Close the case as done: the outcome for the record and the response sent to the requester.

    Refused while a fulfilment task is open or failed, unless a supervisor overrides with a reason. An
    erasure's response lists what was deleted in each system and what was kept under which exception.
    """
    _require_change(actor, dsr)
    outcome_summary = _require_text(outcome_summary, "An outcome summary")
    response = _require_text(response, "The response to the requester")
    with transaction.atomic():
        fulfilment_assert_can_complete(dsr=dsr, actor=actor, override_reason=override_reason)
        locked = case_change_status(dsr=dsr, to=Status.COMPLETED, actor=actor,
                                    reason=_why(f"Completed: {outcome_summary}"), outcome_summary=outcome_summary)
        erasure = fulfilment_erasure_summary(locked) if locked.right == "erasure" else None
        message_send(submission=locked.submission, template_key="completion", cases=[locked], actor=actor,
                     context={**_case_context(locked), "response": response,
                              "erasure_summary": erasure["text"] if erasure else ""})
    return _refresh(dsr)


def case_deny(*, dsr: Case, actor: User, ground: str, explanation: str = "") -> Case:
    """Refuse the request on one of its regime's grounds, telling the requester the rights the rules require."""
    _require_change(actor, dsr)
    grounds = dict(DENIAL_GROUNDS[dsr.regime])
    if ground not in grounds:
        raise WorkbenchError(
            f"A denial needs one of the {REGIME_ABBREVIATIONS[dsr.regime]} grounds: "
            + "; ".join(f"{code} ({label})" for code, label in grounds.items())
        )
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    with transaction.atomic():
        locked = case_change_status(dsr=dsr, to=Status.DENIED, actor=actor,
                                    reason=_why(f"Denied: {grounds[ground]}"), denial_ground=ground,
                                    outcome_summary=f"Denied: {grounds[ground]}")
        message_send(submission=locked.submission, template_key="denial", cases=[locked], actor=actor,
                     context={**_case_context(locked), "ground_label": grounds[ground],
                              "explanation": explanation.strip(), "rights_notice": rule.denial_rights_notice})
    return _refresh(dsr)


def case_redirect_to_controller(*, dsr: Case, actor: User, organization: ControllerOrganization,
                                note: str = "") -> Case:
    """Forward a patient's request to the organization that controls the data and tell the patient."""
    _require_change(actor, dsr)
    if not dsr.is_patient:
        raise WorkbenchError("Only patient requests (data a clinic controls) are redirected to a controller")
    with transaction.atomic():
        locked = case_change_status(dsr=dsr, to=Status.REDIRECTED, actor=actor,
                                    reason=_why(f"Redirected to controller {organization.name}"),
                                    outcome_summary=f"Forwarded to {organization.name}")
        submission = locked.submission
        context = {**_case_context(locked), "organization_name": organization.name,
                   "organization_email": organization.privacy_email,
                   "received_on": locked.receipt_date.isoformat(), "subject_email": locked.subject.email,
                   "details": submission.details, "note": note.strip()}
        message_send(submission=submission, template_key="redirect_organization", cases=[locked], actor=actor,
                     to_email=organization.privacy_email, context=context)
        message_send(submission=submission, template_key="redirect_patient", cases=[locked], actor=actor,
                     context=context)
    return _refresh(dsr)


def case_withdraw_on_behalf(*, dsr: Case, actor: User, reason: str) -> Case:
    """Close the case because the requester withdrew it (by phone, mail or e-mail)."""
    _require_change(actor, dsr)
    reason = _require_text(reason, "How the requester withdrew")
    case_change_status(dsr=dsr, to=Status.WITHDRAWN, actor=actor, reason=_why(f"Withdrawn by the requester: {reason}"))
    return _refresh(dsr)


# ---------------------------------------------------------------------------------------------------------
# Notes and files
# ---------------------------------------------------------------------------------------------------------


def case_add_note(*, dsr: Case, actor: User, text: str) -> TimelineEvent:
    """Add an internal note (never sent to the requester) to the timeline."""
    _require_change(actor, dsr)
    text = _require_text(text, "The note")
    return timeline_record(dsr=dsr, kind=TimelineEvent.Kind.NOTE, actor=actor, summary=text)


def case_attach_file(*, dsr: Case, actor: User, upload: UploadedFile, description: str = "") -> CaseAttachment:
    """Store a file with the case in private storage (served only through the permission-checked view)."""
    _require_change(actor, dsr)
    if upload is None or not upload.size:
        raise WorkbenchError("Choose a non-empty file")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise WorkbenchError(f"Files are limited to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    with transaction.atomic():
        attachment = CaseAttachment.objects.create(
            case=dsr, file=upload, original_name=name, size=upload.size, uploaded_by=actor,
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            description=description.strip()[:200],
        )
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.ATTACHMENT, actor=actor,
                        summary=f"File attached (#{attachment.pk}, {attachment.size} bytes)"
                                + (f": {attachment.description}" if attachment.description else ""))
    return attachment


# ---------------------------------------------------------------------------------------------------------
# Requests received by phone, mail or e-mail
# ---------------------------------------------------------------------------------------------------------


def case_enter_manual(*, actor: User, channel: str, email: str, rights: Sequence[str], received_at: dt.datetime,
                      country: str = "", subdivision: str = "", full_name: str = "", phone: str = "",
                      details: str = "", is_patient: bool = False, clinic_name: str = "",
                      backdate_reason: str = "") -> list[Case]:
    """Record a request received outside the web form, with its real receipt instant, one case per right.

    The clock starts at receipt, not at entry: a receipt earlier than now needs a reason, which goes on
    each case's timeline.
    """
    if not actor.has_perm("requests_app.add_case"):
        raise PermissionDenied("You may not enter requests")
    if channel not in MANUAL_CHANNELS:
        raise WorkbenchError(f"Channel must be one of: {', '.join(c.label for c in MANUAL_CHANNELS)}")
    email = _require_text(email, "The requester's e-mail address").lower()
    if not rights:
        raise WorkbenchError("Choose at least one right")
    if received_at.tzinfo is None:
        raise WorkbenchError("The receipt time needs a time zone")
    now = timezone.now()
    if received_at > now + dt.timedelta(minutes=5):
        raise WorkbenchError("The receipt date cannot be in the future")
    backdated = received_at < now - BACKDATE_TOLERANCE
    if backdated and not backdate_reason.strip():
        raise WorkbenchError("A receipt date in the past needs a reason (e.g. letter opened on …)")
    country, subdivision = country.strip().upper(), subdivision.strip().upper()
    try:
        regimes = {right: deadlines.regime_for(country=country, subdivision=subdivision, right=right,
                                               is_patient=is_patient) for right in rights}
    except deadlines.UnknownRuleError as exc:
        raise WorkbenchError(str(exc)) from exc
    with transaction.atomic():
        given = {"full_name": full_name, "phone": phone, "country": country, "subdivision": subdivision}
        reason = f"Request entered by an officer ({channel})"
        subject = subject_upsert(email=email, details={k: v.strip() for k, v in given.items() if v.strip()},
                                 created_reason=reason, updated_reason=reason, actor=actor)
        submission = Submission(subject=subject, channel=channel, received_at=received_at, details=details.strip(),
                                clinic_name=clinic_name.strip())
        submission._history_user = actor
        submission._change_reason = f"Request entered by an officer ({channel})"
        submission.save()
        cases = []
        for right in rights:
            dsr = case_create(submission=submission, right=right, regime=regimes[right], is_patient=is_patient,
                              actor=actor, reason=f"Request received by {Channel(channel).label.lower()}")
            if backdated:
                timeline_record(dsr=dsr, kind=TimelineEvent.Kind.BACKDATED, actor=actor,
                                summary=f"Entered {now:%Y-%m-%d %H:%M} UTC with receipt "
                                        f"{received_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC: "
                                        f"{backdate_reason.strip()}")
            cases.append(dsr)
    logger.info("officer %s entered submission %s with %s case(s)", actor.pk, submission.pk, len(cases))
    return cases
