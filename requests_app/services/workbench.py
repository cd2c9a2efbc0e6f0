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
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm, remove_perm

from compliance.rules import (
    CONFIRMATION_TEMPLATES,
    EVIDENCE,
    GROUNDS_NEEDING_EXPLANATION,
    IDENTITY_GROUNDS,
    NEVER_UNVERIFIABLE_RIGHTS,
    OUTCOMES,
    PAUSE_ASK_WITHIN_DAYS,
    PAUSE_CITATION,
)
from compliance.verification import scope_note
from fulfilment.services import fulfilment_assert_can_complete
from medprivacy import access, clock
from medprivacy.languages import DEFAULT_LANGUAGE, language_codes, language_name, language_normalize
from outbox.defaults import DEFAULT_TEMPLATES
from outbox.models import ThreadMessage
from outbox.services import message_language, message_send
from outbox.thread import thread_record_outbound
from regimes import deadlines
from regimes.rules import DENIAL_GROUNDS, REGIME_ABBREVIATIONS
from requests_app import link_guard
from requests_app.models import Case, CaseAttachment, Channel, ConsumerConfirmation, ControllerOrganization, Submission
from requests_app.referral_selectors import controller_reserved_reason
from requests_app.services import compliance
from requests_app.services.cases import (
    case_audited_write,
    case_change_status,
    case_create,
    case_start_fulfilment,
    deadlines_for,
)
from requests_app.services.erasure import erasure_notice, subject_erase
from requests_app.services.intake import (
    appeal_link,
    case_once_a_year_enforce,
    receipt_send,
    submission_identity_apply,
)
from requests_app.services.referrals import ReferralError, referral_forward, referral_record_answer
from requests_app.workflow import Status
from subjects.services import subject_get_or_create
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

# What an officer can record as evidence of identity, and the levels each satisfies: compliance.rules.EVIDENCE.
VERIFICATION_METHODS: dict[str, str] = {code: evidence.label for code, evidence in EVIDENCE.items()}

MANUAL_CHANNELS = (Channel.PHONE, Channel.MAIL, Channel.EMAIL)
# Templates an officer may start a conversation message from; each puts the officer's text at {{ body }}.
THREAD_TEMPLATE_PREFIX = "thread_"


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
    """The context every message about one case has, its words in the requester's language."""
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    with message_language(dsr.submission):
        return {
            "dsr": dsr, "reference": dsr.reference, "right_label": str(dsr.get_right_display()),
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
        # The evidence must satisfy the level the rules ask for (compliance.rules.EVIDENCE), or its fallback.
        assessment = compliance.case_assessment_with(dsr=locked, evidence=method)
        if not assessment.met:
            raise WorkbenchError(assessment.problem)
        if locked.paused_since is not None:
            _resume_clock(dsr=locked, actor=actor, why="identity information received")
        limited = scope_note(assessment.scope)
        reason = (f"Identity verified: {label}" + (f" ({limited})" if limited else "")
                  + (f". {note.strip()}" if note.strip() else ""))
        settled = {"verification_method": label, "needs_officer_verification": False,
                   "verification_evidence": method, "verification_scope": assessment.scope}
        if Status(locked.status) == Status.VERIFIED:
            # E-mail confirmed the address already; the officer now settles the level the rules ask for.
            with case_audited_write(dsr=locked, actor=actor, kind=TimelineEvent.Kind.VERIFIED,
                                    reason=_why(reason), summary=reason) as write:
                for name, value in settled.items():
                    setattr(write.dsr, name, value)
                write.dsr.verified_at = clock.now()
        else:
            locked = case_change_status(dsr=locked, to=Status.VERIFIED, actor=actor, reason=_why(reason),
                                        verified_at=clock.now(), **settled)
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
    if kind == "identity" and (dsr.verification_level == "none" or dsr.right in NEVER_UNVERIFIABLE_RIGHTS):
        # E.g. an ADMT opt-out (11 CCR §7221): only identifying information may be asked, never proof of identity.
        raise WorkbenchError(f"{dsr.get_right_display()} needs no verification: it cannot wait for identity "
                             "information. Act on it, or deny only on a documented good-faith belief of fraud.")
    question = _require_text(question, "The question to the requester")
    if pause and dsr.regime in PAUSE_ASK_WITHIN_DAYS:
        # A pause counts only if asked for without undue delay (⚑ compliance.rules.PAUSE_ASK_WITHIN_DAYS).
        limit = PAUSE_ASK_WITHIN_DAYS[dsr.regime]
        elapsed = (clock.regime_today(dsr.regime) - dsr.receipt_date).days
        if elapsed > limit:
            raise WorkbenchError(
                f"The clock cannot be paused: {REGIME_ABBREVIATIONS[dsr.regime]} pauses count only when the "
                f"question is asked without undue delay (within {limit} days of receipt; this is day {elapsed}; "
                f"{PAUSE_CITATION[dsr.regime]}). Ask without pausing.")
    if pause:
        try:  # the engine decides, conventions included (GDPR pauses can be switched off by counsel)
            deadlines_for(regime=dsr.regime, right=dsr.right, received_at=dsr.received_at,
                          country=dsr.subject.country, subdivision=dsr.subject.subdivision,
                          paused_days=dsr.paused_days + 1)
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
        context = {"question": question, "paused": pause,
                   "paused_on": clock.regime_today(locked.regime).isoformat()}
        # Asked in the conversation: the requester answers on the status page.
        _thread_send(locked, actor=actor, context=context,
                     template_key="clarification_request" if kind == "clarification" else "identity_request")
    return _refresh(dsr)


def _thread_send(dsr: Case, *, actor: User, template_key: str, context: dict) -> ThreadMessage:
    """E-mail the requester of a case and put the message, exactly as sent, in its conversation.

    Call inside a transaction. Anyone with the status link can read the conversation, so a message carrying
    a secret link or a live token is refused (the transaction rolls back: nothing is stored or sent). An
    answer takes the case out of the "awaiting our reply" queue.
    """
    message = message_send(submission=dsr.submission, cases=[dsr], actor=actor, template_key=template_key,
                           context={**_case_context(dsr), **context})
    problem = link_guard.live_link_problem(f"{message.subject}\n{message.body_text}\n{message.body_html}",
                                           own_subject_id=dsr.subject_id)
    if problem:
        raise WorkbenchError(problem)
    entry = thread_record_outbound(dsr=dsr, message=message, actor=actor, template_key=template_key)
    if Case.objects.filter(pk=dsr.pk, awaiting_reply_since__isnull=False).exists():
        with case_audited_write(dsr=dsr, actor=actor, kind=TimelineEvent.Kind.OTHER,
                                reason="Answered the requester: out of the awaiting-reply queue") as write:
            write.dsr.awaiting_reply_since = None
    return entry


def case_message_requester(*, dsr: Case, actor: User, text: str,
                           template_key: str = "thread_message") -> ThreadMessage:
    """Write to the requester from the case page (a conversation template or free text), kept as sent."""
    _require_change(actor, dsr)
    if not template_key.startswith(THREAD_TEMPLATE_PREFIX) or template_key not in DEFAULT_TEMPLATES:
        raise WorkbenchError("Choose one of the conversation templates")
    text = _require_text(text, "The message")
    if not dsr.subject.email:
        raise WorkbenchError("The requester's e-mail address was erased; there is no one to write to")
    with transaction.atomic():
        entry = _thread_send(dsr, actor=actor, template_key=template_key, context={"body": text})
    dsr.refresh_from_db()
    return entry


def thread_templates() -> list[tuple[str, str]]:
    """Return (key, description) of the templates offered on the case page, free text first."""
    return [(key, t.description) for key, t in DEFAULT_TEMPLATES.items() if key.startswith(THREAD_TEMPLATE_PREFIX)]


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
                             country=locked.subject.country, subdivision=locked.subject.subdivision,
                             paused_days=total)
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
    case_requester_answered(dsr=dsr, actor=actor, why="requester answered",
                            reason="Requester answered" + (f": {note.strip()}" if note.strip() else ""))
    return _refresh(dsr)


def case_requester_answered(*, dsr: Case, actor: User | None, why: str, reason: str) -> None:
    """Resume a case waiting for its requester: the clock restarts (days paused added) and work goes on.

    Shared by the officer's "Requester answered" and a reply on the status page (actor None); the caller
    has checked who may do it.
    """
    with transaction.atomic():
        _resume_clock(dsr=dsr, actor=actor, why=why)
        target = Status.IN_PROGRESS if dsr.verified_at is not None else Status.AWAITING_VERIFICATION
        case_change_status(dsr=dsr, to=target, actor=actor, reason=_why(reason))


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
    _refuse_if_controller_decides(dsr, "extend")
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
                                         subdivision=locked.subject.subdivision, paused_days=locked.paused_days)
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


COMPLETION_OUTCOMES = ("complied", "complied_in_part")


def case_complete(*, dsr: Case, actor: User, outcome_summary: str, response: str,
                  override_reason: str | None = None, outcome: str = "complied") -> Case:
    """Close the case as done: the outcome for the record and the response sent to the requester.

    Refused while the identity is not verified at the level the rules ask for, and while a fulfilment task is
    open or failed, unless a supervisor overrides the tasks with a reason. ``outcome`` is "complied" or
    "complied_in_part" (the §7102 metrics read it); a case verified only for categories (§7024(a)) completes
    in part. An erasure's response says what was deleted where, what is kept under which rule of its regime
    and until when, with the rights statement the rules require; then the requester's data is erased
    (`services.erasure.subject_erase`). An erasure is refused while another request of the same person is
    open (the erasure would take the address it needs).
    """
    _require_change(actor, dsr)
    _refuse_if_controller_decides(dsr, "complete")
    outcome_summary = _require_text(outcome_summary, "An outcome summary")
    response = _require_text(response, "The response to the requester")
    if outcome not in COMPLETION_OUTCOMES:
        raise WorkbenchError("The outcome must be: " + " or ".join(OUTCOMES[o] for o in COMPLETION_OUTCOMES))
    if not dsr.is_patient:
        assessment = compliance.case_verification_assessment(dsr=dsr)
        if not assessment.met:
            raise WorkbenchError(f"The case cannot complete: {assessment.problem}")
        if assessment.scope != "full" and outcome != "complied_in_part":
            raise WorkbenchError(f"The case was {scope_note(assessment.scope)}: complete it as "
                                 f"'{OUTCOMES['complied_in_part']}' with the {assessment.scope} only")
    if dsr.right == "erasure":
        others = Case.objects.open().filter(subject_id=dsr.subject_id).exclude(pk=dsr.pk)
        if others.exists():
            raise WorkbenchError(
                f"{dsr.reference} erases the requester's data, which their other open requests still need "
                f"({', '.join(others.values_list('reference', flat=True))}): close those first.")
    with transaction.atomic():
        fulfilment_assert_can_complete(dsr=dsr, actor=actor, override_reason=override_reason)
        locked = case_change_status(dsr=dsr, to=Status.COMPLETED, actor=actor,
                                    reason=_why(f"Completed: {outcome_summary}"), outcome_summary=outcome_summary,
                                    outcome=outcome)
        is_erasure = locked.right == "erasure"
        # An erasure always keeps the record of the request (the notice says what, under which rule, until when).
        kept = outcome == "complied_in_part" or is_erasure
        with message_language(locked.submission):  # the statements in the requester's language
            texts = compliance.notice_statements(dsr=locked, kind="completion", kept=kept)
            context = {**_case_context(locked), "response": response,
                       "erasure_summary": erasure_notice(locked, completed_at=locked.closed_at) if is_erasure else "",
                       "rights_notice": compliance.notice_rights_text(texts),
                       "processed_on": clock.regime_today(locked.regime).isoformat()}
        template = CONFIRMATION_TEMPLATES.get(locked.right, "completion")
        message = message_send(submission=locked.submission, template_key=template, cases=[locked], actor=actor,
                               context=context)
        compliance.notice_assert_complete(message=message, texts=texts)
        if is_erasure:
            # After the notice is stored: it is the last e-mail the address gets.
            subject_erase(dsr=locked, actor=actor)
    return _refresh(dsr)


def case_deny(*, dsr: Case, actor: User, ground: str, explanation: str = "") -> Case:
    """Refuse the request on one of its regime's grounds, telling the requester the rights the rules require."""
    _require_change(actor, dsr)
    _refuse_if_controller_decides(dsr, "deny")
    grounds = dict(DENIAL_GROUNDS[dsr.regime])
    if ground not in grounds:
        raise WorkbenchError(
            f"A denial needs one of the {REGIME_ABBREVIATIONS[dsr.regime]} grounds: "
            + "; ".join(f"{code} ({label})" for code, label in grounds.items())
        )
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    if ground in IDENTITY_GROUNDS and (rule.verification == "none" or dsr.right in NEVER_UNVERIFIABLE_RIGHTS):
        raise WorkbenchError(f"{dsr.get_right_display()} needs no verification ({rule.citation}): it cannot be "
                             "denied as unverifiable. Act on it, or deny only on a documented good-faith belief "
                             "of fraud.")
    if ground in GROUNDS_NEEDING_EXPLANATION and not explanation.strip():
        raise WorkbenchError(f"'{grounds[ground]}' must be documented: explain to the requester what the belief "
                             "rests on.")
    with transaction.atomic():
        locked = case_change_status(dsr=dsr, to=Status.DENIED, actor=actor,
                                    reason=_why(f"Denied: {grounds[ground]}"), denial_ground=ground,
                                    outcome_summary=f"Denied: {grounds[ground]}"
                                                    + (f". {explanation.strip()}" if explanation.strip() else ""))
        with message_language(locked.submission):  # the statements in the requester's language
            texts = compliance.notice_statements(dsr=locked, kind="denial")
        message = message_send(submission=locked.submission, template_key="denial", cases=[locked], actor=actor,
                               context={**_case_context(locked), "ground_label": gettext(grounds[ground]),
                                        "reason": grounds[ground], "explanation": explanation.strip(),
                                        "rights_notice": compliance.notice_rights_text(texts)})
        compliance.notice_assert_complete(message=message, texts=texts, reason=grounds[ground])
    return _refresh(dsr)


def case_ask_consumer_to_confirm(*, dsr: Case, actor: User) -> Case:
    """Ask the consumer directly to confirm that the authorized agent acts for them (11 CCR §7063(a)(2))."""
    _require_change(actor, dsr)
    try:
        compliance.confirmation_request(dsr=dsr, kind=ConsumerConfirmation.Kind.AGENT_AUTHORITY, actor=actor)
    except ValueError as exc:
        raise WorkbenchError(str(exc)) from exc
    return _refresh(dsr)


def case_send_declaration(*, dsr: Case, actor: User) -> Case:
    """Send the consumer the declaration under penalty of perjury to sign (11 CCR §7062(c))."""
    _require_change(actor, dsr)
    if dsr.verification_level != "reasonably_high":
        raise WorkbenchError("A declaration under penalty of perjury is asked only for requests the rules verify "
                             "to a reasonably high degree (specific pieces of information)")
    try:
        compliance.confirmation_request(dsr=dsr, kind=ConsumerConfirmation.Kind.DECLARATION, actor=actor)
    except ValueError as exc:
        raise WorkbenchError(str(exc)) from exc
    return _refresh(dsr)


def case_redirect_to_controller(*, dsr: Case, actor: User, organization: ControllerOrganization,
                                note: str = "") -> Case:
    """Forward a patient's request to the organization that controls the data; the case stays open until it
    answers (see `referrals.services`)."""
    try:
        return referral_forward(dsr=dsr, actor=actor, organization=organization, note=note)
    except ReferralError as exc:
        raise WorkbenchError(str(exc)) from exc


def case_record_controller_answer(*, dsr: Case, actor: User, answer: str, note: str) -> Case:
    """Close a forwarded patient case with the clinic's answer (see `referrals.services`)."""
    try:
        return referral_record_answer(dsr=dsr, actor=actor, answer=answer, note=note)
    except ReferralError as exc:
        raise WorkbenchError(str(exc)) from exc


def _refuse_if_controller_decides(dsr: Case, action: str) -> None:
    """Refuse a decision that belongs to the clinic on a patient case we process for it (rules table)."""
    reason = controller_reserved_reason(dsr, action)
    if reason:
        raise WorkbenchError(reason)


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


def submission_language_set(*, dsr: Case, actor: User, language: str) -> Submission:
    """Set the requester's language of the case's filing (e.g. told on the phone); every later message about
    its cases is written in it. Refused when the filing has cases this officer may not work on."""
    _require_change(actor, dsr)
    if language not in language_codes():
        raise WorkbenchError(f"Choose one of the languages: {', '.join(language_codes())}")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=dsr.submission_id)
        cases = list(submission.cases.order_by("pk"))
        workable = set(access.cases_for_user(user=actor, perm="change").filter(
            pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
        if len(workable) < len(cases):
            raise PermissionDenied("This filing has cases you may not work on; a supervisor must change its "
                                   "language.")
        if submission.language == language:
            return submission
        before = submission.language
        submission.language = language
        submission._history_user = actor
        submission._change_reason = f"Requester's language: {before} → {language}"
        submission.save(update_fields=["language"])
        for case in cases:
            timeline_record(dsr=case, kind=TimelineEvent.Kind.OTHER, actor=actor,
                            summary=f"Requester's language set to {language_name(language)} (was "
                                    f"{language_name(before)}); later messages are written in it")
    return submission


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
                      backdate_reason: str = "", appeal_reference: str = "",
                      language: str = DEFAULT_LANGUAGE) -> list[Case]:
    """Record a request received outside the web form, with its real receipt instant, one case per right.

    The clock starts at receipt, not at entry: a receipt earlier than now needs a reason, which goes on
    each case's timeline. The requester gets the same receipt as a web request: the acknowledgement where
    the rules require one (``acknowledged_at`` is set), and the verification link where one is needed.
    An appeal names the decision appealed. `language`: the requester's, which the officer chooses (every
    message about the request is written in it).
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
    decisions = {}
    for right in rights:
        if right == "appeal":
            try:
                decisions[right] = compliance.appeal_decision_find(email=email, reference=appeal_reference,
                                                                   regime=regimes[right])
            except compliance.AppealRejected as exc:
                raise WorkbenchError(str(exc)) from exc
    with transaction.atomic():
        given = {"full_name": full_name, "phone": phone, "country": country, "subdivision": subdivision}
        filed_identity = {k: v.strip() for k, v in given.items() if v.strip()}
        reason = f"Request entered by an officer ({channel})"
        subject, created = subject_get_or_create(email=email, details=filed_identity, created_reason=reason,
                                                 actor=actor)
        submission = Submission(subject=subject, channel=channel, received_at=received_at, details=details.strip(),
                                clinic_name=clinic_name.strip(), filed_identity=filed_identity,
                                identity_applied_at=timezone.now() if created else None,
                                language=language_normalize(language))
        submission._history_user = actor
        submission._change_reason = f"Request entered by an officer ({channel})"
        submission.save()
        if not created:
            # The stored identity changes only if this officer may work every case of the person.
            submission_identity_confirm(submission=submission, actor=actor, quiet=True)
        cases = []
        for right in rights:
            dsr = case_create(submission=submission, right=right, regime=regimes[right], is_patient=is_patient,
                              actor=actor, reason=f"Request received by {Channel(channel).label.lower()}")
            dsr = case_once_a_year_enforce(dsr)  # Shine the Light: one answer per calendar year
            if backdated:
                timeline_record(dsr=dsr, kind=TimelineEvent.Kind.BACKDATED, actor=actor,
                                summary=f"Entered {now:%Y-%m-%d %H:%M} UTC with receipt "
                                        f"{received_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC: "
                                        f"{backdate_reason.strip()}")
            if right in decisions:
                appeal_link(dsr=dsr, decision=decisions[right], actor=actor)
            cases.append(dsr)
        receipt_send(submission=submission, cases=cases, is_patient=is_patient)
    logger.info("officer %s entered submission %s with %s case(s)", actor.pk, submission.pk, len(cases))
    return cases


def submission_identity_confirm(*, submission: Submission, actor: User, quiet: bool = False) -> list[str]:
    """Apply the identity filed with `submission` to its subject, on the word of an officer who may work
    every case of that person; return the fields changed.

    Raise PermissionDenied when another officer's case belongs to the same person (unless `quiet`, which
    leaves the identity as it is and returns no change): the officer cannot vouch for a person they only
    partly see.
    """
    others = Case.objects.filter(subject_id=submission.subject_id).exclude(
        pk__in=access.cases_for_user(user=actor, perm="change").values("pk"))
    if others.exists():
        if quiet:
            return []
        raise PermissionDenied("This person has cases you may not work on; a supervisor must confirm the identity.")
    return submission_identity_apply(
        submission=submission, actor=actor,
        reason=f"Identity given with submission #{submission.pk} confirmed by an officer")
