"""Forward a patient's request to the clinic that controls the data, chase the clinic, record its answer.

The forwarding record is `referrals.Referral` (its own app, so its migrations stand apart); the workflow lives
here, beside the other case services.

The case stays open while the clinic decides ("forwarded, awaiting controller"): its statutory clock keeps
running and the staff reminders keep firing; the clinic is reminded every CONTROLLER_CHASE_DAYS until it
answers. Only the clinic's answer closes the case.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from medprivacy import access
from medprivacy.jobs import job_run
from medprivacy.languages import DEFAULT_LANGUAGE
from outbox.services import message_send
from referrals.models import ControllerAnswer, Referral
from regimes import deadlines
from regimes.rules import CONTROLLER_CHASE_DAYS
from regimes.statements import denial_rights_notice
from requests_app import referral_selectors
from requests_app.models import Case, ControllerOrganization
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from timeline.models import TimelineEvent
from timeline.services import timeline_record

logger = logging.getLogger(__name__)

User = AbstractBaseUser
CHASE_INTERVAL = dt.timedelta(days=CONTROLLER_CHASE_DAYS)


class ReferralError(ValueError):
    """A forwarding step the case's state or the rules refuse; the message says why."""


def _require_change(actor: User, dsr: Case) -> None:
    if not access.case_can_change(user=actor, dsr=dsr):
        raise PermissionDenied(f"You may not work on case {dsr.pk}")


def _context(dsr: Case, organization: ControllerOrganization, *, language: str | None = None) -> dict:
    """The context of a referral message: in the requester's language, or `language` (to the clinic)."""
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    with translation.override(language or dsr.submission.language):
        return {"dsr": dsr, "reference": dsr.reference, "right_label": str(dsr.get_right_display()),
                "due_on": dsr.due_on.isoformat(), "citation": rule.citation,
                "regime_label": str(dsr.get_regime_display()),
                "organization_name": organization.name, "organization_email": organization.privacy_email,
                "received_on": dsr.receipt_date.isoformat()}


def referral_forward(*, dsr: Case, actor: User, organization: ControllerOrganization, note: str = "") -> Case:
    """Forward a patient's request to its controller and keep tracking it on the law's clock."""
    _require_change(actor, dsr)
    if not dsr.is_patient:
        raise ReferralError("Only patient requests (data a clinic controls) are forwarded to a controller")
    now = timezone.now()
    with transaction.atomic():
        locked = case_change_status(
            dsr=dsr, to=Status.FORWARDED, actor=actor,
            reason=f"Forwarded to controller {organization.name}; awaiting its answer"[:100],
        )
        referral = Referral(case=locked, organization=organization, forwarded_at=now, forwarded_by=actor,
                            next_chase_at=now + CHASE_INTERVAL)
        referral._history_user = actor
        referral._change_reason = "Forwarded to the controller"
        referral.save()
        submission = locked.submission
        extra = {"subject_email": locked.subject.email, "details": submission.details, "note": note.strip()}
        message_send(submission=submission, template_key="redirect_organization", cases=[locked], actor=actor,
                     to_email=organization.privacy_email,
                     context={**_context(locked, organization, language=DEFAULT_LANGUAGE), **extra})
        message_send(submission=submission, template_key="redirect_patient", cases=[locked], actor=actor,
                     context={**_context(locked, organization), **extra})
    logger.info("referrals: case %s forwarded to organization %s", dsr.pk, organization.pk)
    dsr.refresh_from_db()
    return dsr


def referral_record_answer(*, dsr: Case, actor: User, answer: str, note: str = "") -> Case:
    """Record the clinic's answer and close the case with it; tell the patient."""
    _require_change(actor, dsr)
    if answer not in ControllerAnswer.values:
        raise ReferralError(f"The answer must be one of: {', '.join(ControllerAnswer.values)}")
    note = (note or "").strip()
    if not note:
        raise ReferralError("Say what the clinic answered (for the record)")
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(case=dsr).select_related("organization").first()
        if referral is None or referral.answered_at is not None:
            raise ReferralError("This case is not waiting for a clinic's answer")
        organization = referral.organization
        to = Status.COMPLETED if answer == ControllerAnswer.COMPLIED else Status.DENIED
        summary = f"{organization.name}: {ControllerAnswer(answer).label.lower()}"
        locked = case_change_status(
            dsr=dsr, to=to, actor=actor, reason=f"Controller answered: {summary}"[:100],
            outcome_summary=f"{summary}. {note}",
            **({"denial_ground": "controller_refused"} if to == Status.DENIED else {}),
        )
        referral.answered_at = timezone.now()
        referral.answer = answer
        referral.recorded_by = actor
        referral.next_chase_at = None
        referral._history_user = actor
        referral._change_reason = "Controller's answer recorded"
        referral.save()
        # A refusal carries the rights the requester's own law gives (e.g. a GDPR complaint, not HHS).
        rights_notice = denial_rights_notice(locked.regime, locked.right, gettext=gettext) \
            if to == Status.DENIED else ""
        message_send(submission=locked.submission, template_key="referral_answered", cases=[locked], actor=actor,
                     context={**_context(locked, organization), "answer_label": ControllerAnswer(answer).label,
                              "rights_notice": rights_notice})
    logger.info("referrals: controller answer recorded for case %s (%s)", dsr.pk, answer)
    dsr.refresh_from_db()
    return dsr


def referral_chase(*, referral_id: int, now: dt.datetime) -> bool:
    """Remind the clinic of one unanswered referral, once per due date (compare-and-set on next_chase_at)."""
    with transaction.atomic():
        referral = (Referral.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("case", "organization")
                    .filter(pk=referral_id, answered_at__isnull=True, next_chase_at__lte=now).first())
        if referral is None:
            return False
        dsr = referral.case
        if not dsr.is_open:
            referral.next_chase_at = None
            referral._change_reason = "Case closed; no more reminders to the clinic"
            referral.save(update_fields=["next_chase_at"])
            return False
        referral.chase_count += 1
        referral.last_chased_at = now
        referral.next_chase_at = now + CHASE_INTERVAL
        referral._change_reason = f"Clinic reminded ({referral.chase_count})"
        referral.save()
        message_send(submission=dsr.submission, template_key="referral_chase", cases=[dsr],
                     to_email=referral.organization.privacy_email,
                     context={**_context(dsr, referral.organization, language=DEFAULT_LANGUAGE),
                              "chase_count": referral.chase_count})
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.REMINDER,
                        summary=f"{referral.organization.name} reminded to answer (reminder {referral.chase_count}; "
                                f"due {dsr.due_on.isoformat()})")
    return True


def referrals_chase_sweep() -> int:
    """Remind every clinic whose referral is unanswered and due a reminder; return how many were sent."""
    now = timezone.now()
    sent = 0
    with job_run("referral_chase") as run:
        for referral_id in referral_selectors.referrals_to_chase(now=now).values_list("pk", flat=True):
            try:
                if referral_chase(referral_id=referral_id, now=now):
                    sent += 1
            except Exception as exc:  # one failing referral must not stop the others
                run.error(exc)
                logger.warning("referrals: chase of referral %s failed (%s)", referral_id, type(exc).__name__)
        run.handled(sent)
    return sent
