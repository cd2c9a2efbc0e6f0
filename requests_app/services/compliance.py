"""The compliance writes and checks the workbench and intake call: verification evidence, what the consumer
confirms directly, the statements every decision notice must carry, appeals linked to their decision.

The tables live in the `compliance` app (pure data, below this one); this module applies them to cases.

Nothing here logs personal data: log lines carry ids only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from compliance.rules import (
    APPEAL_REGIMES,
    APPEAL_WINDOW_DAYS,
    APPEALABLE_STATUSES,
    DECLARATION_TEXT,
    REQUIRED_STATEMENTS,
    STATEMENTS,
    UNVERIFIED_FALLBACK,
    appeal_route_text,
    authority_after_appeal_text,
    authority_text,
    categories_fallback_text,
    complaint_text,
    rights_statement_text,
)
from compliance.verification import Assessment, verification_gap
from medprivacy.links import absolute
from outbox.models import Message
from outbox.services import message_language, message_send
from requests_app.models import Case, ConsumerConfirmation
from timeline.models import TimelineEvent
from timeline.services import Actor, timeline_record

logger = logging.getLogger(__name__)

CONFIRMATION_LINK_DAYS = 14
TOKEN_BYTES = 32


class ConfirmationInvalid(Exception):
    """A confirmation link that is unknown, used or expired; the page shows the same words for each."""


class NoticeIncomplete(ValueError):
    """A decision notice that lacks a statement the rules require; nothing is sent."""


class AppealRejected(ValueError):
    """An appeal that names no decision the appellant may appeal; the message says what is missing."""


# ---------------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------------


def _confirmed(dsr: Case, kind: str) -> bool:
    return ConsumerConfirmation.objects.filter(case__submission_id=dsr.submission_id, kind=kind,
                                               confirmed=True).exists()


def case_verification_assessment(*, dsr: Case) -> Assessment:
    """Return what the evidence on file settles for the case (see compliance.verification)."""
    evidence = dsr.verification_evidence
    if not evidence and dsr.verified_at is not None and not dsr.needs_officer_verification \
            and dsr.verification_method == "e-mail link":
        evidence = "email_link"
    return verification_gap(
        regime=dsr.regime, right=dsr.right, level=dsr.verification_level, evidence=evidence,
        is_agent=dsr.is_agent, agent_confirmed=_confirmed(dsr, ConsumerConfirmation.Kind.AGENT_AUTHORITY),
        has_declaration=_confirmed(dsr, ConsumerConfirmation.Kind.DECLARATION),
    )


def case_assessment_with(*, dsr: Case, evidence: str) -> Assessment:
    """Return what ``evidence`` would settle for the case, before it is recorded."""
    return verification_gap(
        regime=dsr.regime, right=dsr.right, level=dsr.verification_level, evidence=evidence,
        is_agent=dsr.is_agent, agent_confirmed=_confirmed(dsr, ConsumerConfirmation.Kind.AGENT_AUTHORITY),
        has_declaration=_confirmed(dsr, ConsumerConfirmation.Kind.DECLARATION),
    )


# ---------------------------------------------------------------------------------------------------------
# What the consumer confirms directly (declaration; agent's authority)
# ---------------------------------------------------------------------------------------------------------

_TEMPLATES = {
    ConsumerConfirmation.Kind.DECLARATION: "declaration_request",
    ConsumerConfirmation.Kind.AGENT_AUTHORITY: "agent_confirmation_request",
}


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _agent_statement(dsr: Case) -> str:
    return (f"I authorized {dsr.submission.agent_name or 'the agent named in the request'} to make the privacy "
            f"request {dsr.reference} for me.")


def confirmation_request(*, dsr: Case, kind: str, actor: Actor) -> tuple[str, ConsumerConfirmation]:
    """Send the consumer (never the agent) a single-use link to sign the declaration or confirm the agent.

    Return the raw token (only its hash is stored) and the row.
    """
    kind = ConsumerConfirmation.Kind(kind)
    if kind == ConsumerConfirmation.Kind.AGENT_AUTHORITY and not dsr.is_agent:
        raise ValueError("Only a request filed by an authorized agent needs the consumer to confirm the agent")
    if not dsr.is_open:
        raise ValueError(f"The case is {dsr.get_status_display().lower()}; nothing more is asked of the consumer")
    if not dsr.subject.email:
        raise ValueError("There is no e-mail address to send the link to")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    statement = DECLARATION_TEXT if kind == ConsumerConfirmation.Kind.DECLARATION else _agent_statement(dsr)
    with transaction.atomic():
        row = ConsumerConfirmation.objects.create(
            case=dsr, kind=kind, token_hash=_hash(raw), requested_at=now, requested_by=actor,
            expires_at=now + dt.timedelta(days=CONFIRMATION_LINK_DAYS), statement=statement,
        )
        url = absolute(reverse("requests_app:confirm", args=[raw]))
        with message_language(dsr.submission):
            right_label = str(dsr.get_right_display())
        message_send(submission=dsr.submission, template_key=_TEMPLATES[kind], cases=[dsr], actor=actor,
                     context={"reference": dsr.reference, "right_label": right_label,
                              "confirm_url": url, "statement": statement,
                              "agent_name": dsr.submission.agent_name,
                              "expires_on": row.expires_at.date().isoformat()})
    logger.info("compliance: %s link sent for case %s", kind, dsr.pk)
    return raw, row


def confirmation_for_token(*, token: str) -> ConsumerConfirmation:
    """Return the open confirmation of a link, or raise ConfirmationInvalid."""
    row = (ConsumerConfirmation.objects.select_related("case__submission", "case__subject")
           .filter(token_hash=_hash(token or "")).first())
    if row is None or row.answered_at is not None or row.expires_at <= timezone.now() or not row.case.is_open:
        raise ConfirmationInvalid("unknown, used or expired")
    return row


def confirmation_answer(*, token: str, confirmed: bool, signed_name: str = "") -> ConsumerConfirmation:
    """Record the consumer's answer once; a declaration must be signed with their name."""
    signed_name = " ".join((signed_name or "").split())
    with transaction.atomic():
        row = confirmation_for_token(token=token)
        row = ConsumerConfirmation.objects.select_for_update().get(pk=row.pk)
        if row.answered_at is not None:
            raise ConfirmationInvalid("used")
        if row.kind == ConsumerConfirmation.Kind.DECLARATION and confirmed and not signed_name:
            raise ValueError("Type your full name to sign the declaration.")
        row.answered_at, row.confirmed, row.signed_name = timezone.now(), confirmed, signed_name[:200]
        row.save(update_fields=["answered_at", "confirmed", "signed_name"])
        what = row.get_kind_display()
        summary = (f"The consumer {'signed' if row.kind == ConsumerConfirmation.Kind.DECLARATION else 'confirmed'}: "
                   f"{what}" if confirmed else f"The consumer answered NO to: {what}")
        for dsr in Case.objects.filter(submission_id=row.case.submission_id).order_by("pk"):
            timeline_record(dsr=dsr, kind=TimelineEvent.Kind.VERIFIED if confirmed else TimelineEvent.Kind.NOTE,
                            label="requester", summary=summary)
    logger.info("compliance: confirmation %s answered (%s)", row.pk, "yes" if confirmed else "no")
    return row


# ---------------------------------------------------------------------------------------------------------
# Statements every decision notice must carry
# ---------------------------------------------------------------------------------------------------------


def appeal_url(dsr: Case) -> str:
    """Return the public form link that files an appeal of ``dsr``'s decision."""
    path = reverse("requests_app:request_form")
    return absolute(f"{path}?country=US&subdivision={dsr.regime.upper()}&appeal={dsr.reference}")


def privacy_policy_url() -> str:
    return getattr(settings, "PRIVACY_POLICY_URL", "") or absolute("/#privacy-policy")


def notice_statements(*, dsr: Case, kind: str, kept: bool = False) -> dict[str, str]:
    """Return the text of each statement the rules require in a ``kind`` notice for this case (code → text).

    ``reason`` is not included: the caller supplies it. A completion needs its statements only when something
    was kept or only part was done (``kept``). A decision on an appeal carries the appeal-decision statements.
    """
    if kind == "completion" and not kept:
        return {}
    if dsr.right == "appeal" and dsr.regime in APPEAL_REGIMES:
        kind = "appeal_decision"
    texts: dict[str, str] = {}
    # In the active language: the sentence patterns are translated, the names and citations come from the tables.
    for code in REQUIRED_STATEMENTS.get((dsr.regime, kind), ()):
        if code == "complaint_right":
            texts[code] = complaint_text(dsr.regime, gettext=gettext)
        elif code == "appeal_route":
            texts[code] = (appeal_route_text(dsr.regime, appeal_url(dsr), gettext=gettext) + " "
                           + authority_after_appeal_text(dsr.regime, gettext=gettext))
        elif code == "authority_contact":
            texts[code] = authority_text(dsr.regime, gettext=gettext)
        elif code == "rights_statement":
            texts[code] = rights_statement_text(dsr.regime, gettext=gettext)
    fallback = UNVERIFIED_FALLBACK.get((dsr.regime, dsr.right))
    if fallback and kind in ("denial", "closed_unverified") and dsr.verification_scope != fallback:
        texts["categories_fallback"] = categories_fallback_text(privacy_policy_url(), gettext=gettext)
    return texts


def notice_rights_text(texts: dict[str, str]) -> str:
    return "\n\n".join(texts.values())


def notice_assert_complete(*, message: Message, texts: dict[str, str], reason: str = "") -> None:
    """Refuse (raise NoticeIncomplete, rolling back the send) a rendered notice that lacks a statement."""
    missing = [STATEMENTS.get(code, code) for code, text in texts.items() if text and text not in message.body_text]
    if reason and reason not in message.body_text:
        missing.insert(0, STATEMENTS["reason"])
    if missing:
        raise NoticeIncomplete(f"The message template '{message.template_key}' leaves out what the rules require: "
                               + "; ".join(missing) + ". Fix the template under Message templates; nothing was sent.")


# ---------------------------------------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------------------------------------


def appeal_decision_find(*, email: str, reference: str, regime: str) -> Case:
    """Return the decided case an appeal is about, or raise AppealRejected saying what is wrong.

    The decision must be this appellant's (same e-mail address), under the same state law, closed with a
    decision (denied, completed or closed unverified), and not older than the appeal window.
    """
    reference = (reference or "").strip().upper()
    if not reference:
        raise AppealRejected("Give the reference of the decision you appeal (for example DSR-2026-000123); "
                             "it is in our decision e-mail.")
    decision = (Case.objects.select_related("subject")
                .filter(reference=reference, subject__email=(email or "").strip().lower()).first())
    if decision is None:
        raise AppealRejected(f"We have no decision {reference} on a request from this e-mail address. "
                             "Use the reference and the e-mail address of the request you appeal.")
    if decision.regime != regime or decision.right == "appeal":
        raise AppealRejected(f"{reference} cannot be appealed under this state's law.")
    if decision.status not in APPEALABLE_STATUSES:
        raise AppealRejected(f"We have not decided {reference} yet; you can appeal once we have.")
    if decision.closed_at and decision.closed_at < timezone.now() - dt.timedelta(days=APPEAL_WINDOW_DAYS):
        raise AppealRejected(f"The decision on {reference} is more than {APPEAL_WINDOW_DAYS} days old.")
    return decision
