"""Review reminders: one e-mail to the processing's owner per due date of an assessment, found by a sweep.

The sweep reads the stored, indexed `RiskAssessment.next_reminder_at` (set by the services `lead days`
before each due date). For each due row it inserts the unique `ReviewReminder` (assessment, kind, due
date) and clears `next_reminder_at` in one transaction under the row's lock, so a second or concurrent
sweep claims nothing; the e-mail is then sent by a delivery loop that claims rows by compare-and-set and
retries failed sends with backoff (the staff reminders' own offsets from MEDPRIVACY_REMINDERS). A new due
date (an approval, a material change) sets `next_reminder_at` again, and its reminder goes once more.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse

from assessments.models import ReviewReminder, RiskAssessment
from assessments.rules import DueKind
from medprivacy import access, clock
from medprivacy.jobs import job_run

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def _recipients(assessment: RiskAssessment) -> tuple[str, ...]:
    """The owner of the processing, else the supervisors (who must then give it an owner)."""
    owner = assessment.processing.owner
    if owner is not None and owner.is_active and owner.email:
        return (owner.email,)
    emails = access.supervisors().exclude(email="").order_by("email").values_list("email", flat=True)
    return tuple(dict.fromkeys(emails))


def reminders_claim(*, now: dt.datetime | None = None) -> int:
    """Insert one reminder row for each assessment whose reminder is due; return how many this call claimed."""
    now = now or clock.now()
    claimed = 0
    due = RiskAssessment.objects.filter(next_reminder_at__lte=now).order_by("next_reminder_at", "pk")
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            assessment = (RiskAssessment.objects.select_for_update(of=("self",)).select_related("processing__owner")
                          .filter(pk=pk, next_reminder_at__lte=now).first())
            if assessment is None or assessment.review_due_on is None:
                continue  # another sweep claimed it meanwhile
            RiskAssessment.objects.filter(pk=pk).update(next_reminder_at=None)
            _, created = ReviewReminder.objects.get_or_create(
                assessment=assessment, kind=assessment.review_due_kind, due_on=assessment.review_due_on,
                defaults={"recipients": ",".join(_recipients(assessment)), "created_at": now,
                          "next_attempt_at": now})
            claimed += int(created)
    return claimed


def admin_url(assessment_id: int) -> str:
    try:
        path = reverse("admin:assessments_riskassessment_change", args=[assessment_id])
    except NoReverseMatch:
        path = f"/admin/assessments/riskassessment/{assessment_id}/change/"
    return f"{settings.SITE_URL}{path}"


def reminder_email(reminder: ReviewReminder, *, connection=None) -> EmailMessage:
    """Build the staff e-mail: which processing, what is due and when, the admin link; no personal data."""
    assessment = reminder.assessment
    what = DueKind.LABELS.get(reminder.kind, reminder.kind)
    days = (reminder.due_on - clock.office_today()).days
    when = f"in {days} day{'s' if days != 1 else ''}" if days >= 0 else f"{-days} days overdue"
    body = (f"Risk assessment: {assessment}\n"
            f"Due: {reminder.due_on.isoformat()} ({when})\n"
            f"Why: {what}\n"
            f"Open it: {admin_url(assessment.pk)}\n\n"
            "Sent by the MedPrivacy scheduler (11 CCR §7155).\n")
    return EmailMessage(subject=f"[Risk assessment] {assessment.processing.name}: due {reminder.due_on.isoformat()}",
                        body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[a for a in reminder.recipients.split(",") if a], connection=connection,
                        headers={"X-MedPrivacy-Assessment-Reminder": str(reminder.pk)})


def _backoff(attempts: int) -> dt.timedelta:
    conf = settings.MEDPRIVACY_REMINDERS
    base, cap = int(conf["retry_base_seconds"]), int(conf["retry_cap_seconds"])
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def reminders_deliver(*, result: SweepResult | None = None) -> SweepResult:
    """Send every reminder row whose attempt is due, each claimed by compare-and-set."""
    result = result or SweepResult()
    conf = settings.MEDPRIVACY_REMINDERS
    stale, max_attempts = dt.timedelta(seconds=int(conf["stale_claim_seconds"])), int(conf["max_attempts"])
    now = clock.now()
    due = ReviewReminder.objects.filter(state__in=ReviewReminder.ACTIVE_STATES, next_attempt_at__lte=now)
    connection = get_connection()
    try:
        for pk in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)):
            token = uuid.uuid4()
            # The WHERE is checked again under the row lock: a row claimed meanwhile is skipped.
            if not due.filter(pk=pk).update(state=ReviewReminder.State.SENDING, claim_token=token,
                                            next_attempt_at=now + stale, attempts=F("attempts") + 1):
                continue
            reminder = ReviewReminder.objects.select_related("assessment__processing").get(pk=pk)
            mine = ReviewReminder.objects.filter(pk=pk, claim_token=token, state=ReviewReminder.State.SENDING)
            try:
                reminder_email(reminder, connection=connection).send()
            except Exception as exc:  # a transport error: retry later, go on with the others
                gave_up = reminder.attempts >= max_attempts
                mine.update(state=ReviewReminder.State.FAILED, last_error=type(exc).__name__[:200],
                            next_attempt_at=None if gave_up else clock.now() + _backoff(reminder.attempts))
                result.failed += 1
                result.errors[type(exc).__name__] += 1
                logger.warning("assessment reminder %s: send failed (%s)", pk, type(exc).__name__)
                connection.close()
                connection = get_connection()
                continue
            mine.update(state=ReviewReminder.State.SENT, sent_at=clock.now(), next_attempt_at=None, last_error="")
            result.sent += 1
    finally:
        connection.close()
    return result


def assessment_reminders_sweep() -> SweepResult:
    """Claim the due review reminders and send them; record the run."""
    with job_run("assessment_reminders") as run:
        result = SweepResult(claimed=reminders_claim())
        reminders_deliver(result=result)
        run.handled(result.sent)
        run.errors_from(result.errors)
    return result
