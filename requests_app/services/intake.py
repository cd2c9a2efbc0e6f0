"""Intake: a public request becomes cases, one verification, and the messages the requester gets.

How a case is verified, decided from the level the rules table gives its regime and right
(`Rule.verification`, copied to `Case.verification_level` when the case is created):

- ``none`` (opt-out of sale/sharing, limit sensitive use, consent withdrawal, unsubscribe): the case starts
  *verified* when it is created (`case_create`); no link is needed for it and work starts at once.
- ``email``: opening the link completes verification. The case moves to *verified*.
- ``reasonable``, ``reasonably_high``, ``identity_and_authority``: opening the link proves control of the
  e-mail address, the first data point and all that e-mail can prove. The case moves to *verified* (the
  e-mail step is done, and under CCPA the clock runs regardless of verification) with
  ``verification_method="e-mail link"`` and ``needs_officer_verification=True``: before disclosing,
  deleting or correcting anything an officer matches the further data points the level names (and, for
  ``reasonably_high``, the signed declaration), asking the requester where needed.
- A request filed by an authorized agent is always flagged for an officer as well: the consumer confirms
  the e-mail link themselves (11 CCR §7063(a)(2)), and an officer checks the signed authorization.
- Patients (data a clinic submitted): `case_create` starts these verified without a link, because the
  clinic, which controls the data, verifies identity and authority once an officer redirects the request.

Duplicates: a case whose e-mail address has been confirmed (or that needs no verification) is linked,
through `Case.duplicate_of`, to the oldest other open case of the same data subject and right whose address
was also confirmed. The link is information for officers only; it never stops anyone submitting or
verifying, and an unconfirmed request someone else filed with the same address is never the original.

Nothing here logs personal data: log lines carry ids and counts only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from admt import selectors as admt_selectors
from admt.services import admt_scope_record
from audit.services import audit_batch
from medprivacy import clock
from medprivacy.languages import DEFAULT_LANGUAGE, language_normalize
from medprivacy.links import absolute
from minors.models import AgeSource
from minors.services import age_statement_record
from outbox.models import Message
from outbox.services import message_language, message_send
from regimes import deadlines
from regimes.rules import ADMT_RIGHTS, DENIAL_GROUNDS, REGIME_ABBREVIATIONS, RIGHT_LABELS, RIGHTS
from regimes.statements import denial_rights_notice, right_label
from requests_app.models import Case, Channel, Submission, VerificationToken
from requests_app.residence import COUNTRY_NAMES, US_REGION_NAMES, residence_label
from requests_app.services.cases import case_audited_write, case_change_status, case_create, case_start_fulfilment
from requests_app.services.children import child_data_deletion_open
from requests_app.services.compliance import AppealRejected, appeal_decision_find
from requests_app.uploads import UploadRejected, upload_kind
from requests_app.workflow import OPEN, IllegalTransition, Status
from security import ratelimit
from subjects.models import DataSubject, Relationship
from subjects.selectors import normalize_email, subject_by_email
from subjects.services import subject_get_or_create, subject_identity_update
from timeline.models import TimelineEvent
from timeline.services import timeline_record

logger = logging.getLogger(__name__)

MAX_AUTHORIZATION_BYTES = 5 * 1024 * 1024
# Judged by the file's first bytes (requests_app.uploads): its name and claimed content type are never trusted.

# Levels that the e-mail link satisfies on its own; every other level also needs an officer.
LEVELS_MET_BY_EMAIL: frozenset[str] = frozenset({"none", "email"})

# What each verification level means for the requester, in plain words (the rules table names the level).
# Lazy: each is put into words in the language active when the e-mail is written.
VERIFICATION_HELP: Mapping[str, str] = MappingProxyType({
    "none": gettext_lazy("No verification is needed; we have started."),
    "email": gettext_lazy("Confirming your e-mail address with the link is enough."),
    "reasonable": gettext_lazy("After you confirm your e-mail address, we match two pieces of information you give "
                               "us with information we already hold. We will write to you if we need anything."),
    "reasonably_high": gettext_lazy(
        "After you confirm your e-mail address, we match three pieces of information you give "
        "us with information we already hold, and ask you to sign a declaration, under penalty "
        "of perjury, that you are the person the request is about. If we cannot verify you to "
        "that degree, we will tell you the categories of information we hold instead."),
    "identity_and_authority": gettext_lazy("We confirm who you are and, if you act for someone else, your "
                                           "authority to do so."),
})
PATIENT_VERIFICATION_HELP = gettext_lazy("Your clinic verifies your identity when it receives your request.")
AGENT_VERIFICATION_HELP = gettext_lazy("We also check the authorization signed by the person the request is about.")

TOKEN_BYTES = 32


class IntakeRejected(ValueError):
    """The request cannot be accepted as filed; `problems` maps a form field to a plain message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{field}: {text}" for field, text in self.problems.items()))


class LinkInvalid(Exception):
    """A verification link that is unknown, tampered with, already used or expired.

    `reason` is for logs and tests; the page shows the same words for every reason.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"verification link {reason}")


@dataclass(frozen=True)
class IntakeResult:
    submission: Submission
    cases: tuple[Case, ...]
    message: Message


# ---------------------------------------------------------------------------------------------------------
# Validation shared by the form and the services
# ---------------------------------------------------------------------------------------------------------


def residence_problems(*, country: str, subdivision: str) -> dict[str, str]:
    """Return what is wrong with a residence (field → message); empty when it is usable."""
    if country not in COUNTRY_NAMES:
        return {"country": _("Choose the country where you live.")}
    if country == "US" and subdivision not in US_REGION_NAMES:
        return {"subdivision": _("Choose the US state or region where you live.")}
    if country != "US" and subdivision:
        return {"subdivision": _("A state or region is asked for only for the United States.")}
    return {}


def intake_problems(*, rights: Sequence[str], email: str, relationship: str, country: str, subdivision: str,
                    is_agent: bool, agent_name: str, agent_email: str, has_authorization: bool,
                    correction_wrong: str, correction_right: str, clinic_name: str,
                    declaration_accepted: bool, agent_attested: bool = False,
                    admt_system_ids: Sequence[int] = ()) -> dict[str, str]:
    """Return every rule a request breaks (field → message), from the rules table; empty when acceptable.

    `agent_attested`: the agent's authority is proven another way (a request signed with the agent's
    registered key under the Data Rights Protocol), so no uploaded authorization or agent e-mail is needed.
    """
    problems = residence_problems(country=country, subdivision=subdivision)
    if problems:
        return problems
    is_patient = relationship == Relationship.PATIENT
    offered = deadlines.rights_offered(country, subdivision or None, is_patient=is_patient)
    patients_only = set(deadlines.rights_offered(country, subdivision or None, is_patient=True)) - set(offered)
    not_offered = [right for right in rights if right not in offered]
    if not rights:
        problems["rights"] = _("Choose at least one thing you want us to do.")
    elif not_offered and set(not_offered) <= patients_only:
        names = "; ".join(right_label(right, gettext=_) for right in not_offered)
        problems["rights"] = _("Only patients whose information a clinic sent us can ask for: %(names)s. If that "
                               "is you, choose \"Patient\" under how you know us.") % {"names": names}
    elif not_offered:
        names = "; ".join(right_label(right, gettext=_) if right in RIGHT_LABELS else _("an unknown request")
                          for right in not_offered)
        problems["rights"] = _("Not available to residents of %(residence)s: %(names)s. Choose from the list "
                               "shown.") % {"residence": residence_label(country, subdivision), "names": names}
    elif len(set(rights)) != len(rights):
        problems["rights"] = _("Choose each request only once.")
    if relationship not in Relationship.values:
        problems["relationship"] = _("Choose how you know us.")
    elif "rights" not in problems:
        # The ADMT rights reach only systems of the AI register that process people like the requester.
        irrelevant = [right for right in rights if right in ADMT_RIGHTS
                      and not admt_selectors.systems_for_right(right=right, relationship=relationship)]
        if irrelevant:
            problems["rights"] = _("None of our automated systems uses information about a %(relationship)s "
                                   "for: %(rights)s.") % {
                "relationship": str(Relationship(relationship).label).lower(),
                "rights": "; ".join(str(right_label(right, gettext=_)) for right in irrelevant)}
    named = set(admt_system_ids)
    if named and not named <= {system.pk for system in admt_selectors.opt_out_choices()}:
        problems["admt_system"] = _("Choose the automated system from the list.")
    elif named and not set(rights) & ADMT_RIGHTS:
        problems["admt_system"] = _("An automated system is named only with a request about automated "
                                    "decisions.")
    if "rectification" in rights:
        if not correction_wrong.strip():
            problems["correction_wrong"] = _("Tell us which information is wrong.")
        if not correction_right.strip():
            problems["correction_right"] = _("Tell us what the information should say.")
    if relationship == Relationship.PATIENT and not clinic_name.strip():
        problems["clinic_name"] = _("Name the clinic or organization that gave us your information.")
    if is_agent:
        if not agent_name.strip():
            problems["agent_name"] = _("Enter the agent's name.")
        if not agent_email.strip():
            if not agent_attested:
                problems["agent_email"] = _("Enter the agent's e-mail address.")
        elif normalize_email(agent_email) == normalize_email(email):
            problems["agent_email"] = _("Enter the agent's own e-mail address. We write to the person the "
                                        "request is about at the address above.")
        if not has_authorization and not agent_attested:
            problems["authorization"] = _("Upload the authorization signed by the person you act for "
                                          "(PDF, PNG or JPEG).")
    if not declaration_accepted:
        problems["declaration"] = _("Tick the declaration to send your request.")
    return problems


def authorization_kind(upload: UploadedFile) -> str:
    """Return "pdf", "png" or "jpg" judged by the file's first bytes, or raise IntakeRejected."""
    try:
        return upload_kind(upload, max_bytes=MAX_AUTHORIZATION_BYTES)
    except UploadRejected as exc:
        hint = " " + _("Upload the signed authorization as a PDF, PNG or JPEG.") if exc.reason == "type" else ""
        raise IntakeRejected({"authorization": f"{exc}{hint}"}) from None


# ---------------------------------------------------------------------------------------------------------
# Submission
# ---------------------------------------------------------------------------------------------------------


def submission_create(*, rights: Sequence[str], full_name: str, email: str, relationship: str, country: str,
                      subdivision: str = "", details: str = "", correction_wrong: str = "",
                      correction_right: str = "", is_agent: bool = False, agent_name: str = "",
                      agent_email: str = "", authorization: UploadedFile | None = None, clinic_name: str = "",
                      declaration_accepted: bool, channel: str = Channel.WEB_FORM,
                      appeal_reference: str = "", agent_attested: bool = False,
                      birth_date: dt.date | None = None, language: str = DEFAULT_LANGUAGE,
                      admt_system_ids: Sequence[int] = ()) -> IntakeResult:
    """File a request: one case per right, one verification, the receipt e-mail; all or nothing.

    `language`: the requester's (the page's, an agent's, an officer's choice); stored on the submission,
    every message about the request is written in it (an unsupported one is English).

    `agent_attested`: filed by an authorized agent whose signed request is its authorization (the Data
    Rights Protocol); see `intake_problems`.

    Raise IntakeRejected (nothing written) when the request breaks a rule. The uploaded authorization is
    stored under a random name in private storage and removed again if anything later fails.
    """
    email = normalize_email(email)
    problems = intake_problems(
        rights=rights, email=email, relationship=relationship, country=country, subdivision=subdivision,
        is_agent=is_agent, agent_name=agent_name, agent_email=agent_email, has_authorization=bool(authorization),
        correction_wrong=correction_wrong, correction_right=correction_right, clinic_name=clinic_name,
        declaration_accepted=declaration_accepted, agent_attested=agent_attested, admt_system_ids=admt_system_ids,
    )
    if not full_name.strip():
        problems.setdefault("full_name", _("Enter your full name."))
    if not email:
        problems.setdefault("email", _("Enter your e-mail address."))
    decision = None
    if not problems and "appeal" in rights:
        # An appeal is of a decision: this appellant's, under the same state law (compliance.rules).
        try:
            decision = appeal_decision_find(
                email=email, reference=appeal_reference,
                regime=deadlines.regime_for(country=country, subdivision=subdivision or None, right="appeal",
                                            is_patient=relationship == Relationship.PATIENT))
        except AppealRejected as exc:
            problems["appeal_reference"] = str(exc)
    if birth_date is not None and birth_date > timezone.now().date():
        problems.setdefault("birth_date", "A date of birth cannot be in the future.")
    if problems:
        raise IntakeRejected(problems)
    kind = authorization_kind(authorization) if is_agent and authorization is not None else ""
    is_patient = relationship == Relationship.PATIENT
    received_at = timezone.now()
    stored_name = ""
    try:
        # The audit entries of the whole submission are chained as the transaction's last statements, so
        # concurrent submissions wait for the audit head only from there to their commit (issue 19).
        with transaction.atomic(), audit_batch():
            filed_identity = {"full_name": full_name.strip(), "relationship": relationship, "country": country,
                              "subdivision": subdivision}
            # An existing subject keeps its identity: the filer has not yet proved the address is theirs.
            subject, created = subject_get_or_create(email=email, details=filed_identity,
                                                     created_reason="Created from a request")
            if kind:
                stored_name = _authorization_store(authorization, kind=kind, received_at=received_at)
            asks_correction = "rectification" in rights
            submission = Submission(
                subject=subject, channel=channel, received_at=received_at, is_agent=is_agent,
                agent_name=agent_name.strip() if is_agent else "",
                agent_email=normalize_email(agent_email) if is_agent else "",
                authorization_document=stored_name, details=details.strip(),
                correction_wrong=correction_wrong.strip() if asks_correction else "",
                correction_right=correction_right.strip() if asks_correction else "",
                clinic_name=clinic_name.strip() if is_patient else "", declaration_accepted=True,
                filed_identity=filed_identity, identity_applied_at=received_at if created else None,
                language=language_normalize(language),
            )
            submission._change_reason = "Request received"
            submission.save()
            if admt_system_ids:  # before the cases: an opt-out's tasks are created with them, at once
                admt_scope_record(submission=submission, automated_system_ids=list(admt_system_ids))
            # The receipt e-mail below acknowledges in this transaction: stored with each case's one insert
            # (case_create keeps it only where the case has an acknowledgement duty).
            now = timezone.now()
            cases = [
                case_create(submission=submission, right=right, is_patient=is_patient, acknowledged_at=now,
                            regime=deadlines.regime_for(country=country, subdivision=subdivision or None,
                                                        right=right, is_patient=is_patient))
                for right in sorted(set(rights), key=RIGHTS.index)
            ]
            for dsr in cases:
                if dsr.right == "appeal" and decision is not None:
                    appeal_link(dsr=dsr, decision=decision, actor=None)
                if dsr.status == Status.VERIFIED and not is_patient:
                    _duplicate_link(dsr)
            message = receipt_send(submission=submission, cases=cases, is_patient=is_patient)
            cases = [case_once_a_year_enforce(dsr) for dsr in cases]
            if birth_date is not None:
                age_statement_record(subject=subject, birth_date=birth_date, source=AgeSource.REQUEST,
                                     dsr_reference=cases[0].reference)
                # The policy §10 promise: a child's data is deleted (never a patient's: the clinic decides).
                child_case = child_data_deletion_open(subject=subject, submission=submission)
                if child_case is not None:
                    cases.append(child_case)
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    logger.info("intake: submission %s received with %s case(s) (agent=%s, patient=%s)",
                submission.pk, len(cases), is_agent, is_patient)
    return IntakeResult(submission=submission, cases=tuple(cases), message=message)


# A once-a-year right is used up by a case of the same calendar year that was answered, or that is still open
# after its requester confirmed the e-mail address (an unconfirmed filing in someone's name uses up nothing).
ONCE_A_YEAR_GROUND = "already_answered_this_year"


def case_once_a_year_enforce(dsr: Case) -> Case:
    """Close a case at once when its rule allows one request per calendar year and this year's is used up.

    The answer goes by e-mail to the address on the request (the form shows nothing different, so it
    reveals nothing about anyone's earlier requests), as a denial on the rule's own ground.
    """
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    if not rule.once_per_calendar_year:
        return dsr
    year = dsr.receipt_date.year
    earlier = (
        Case.objects.filter(subject_id=dsr.subject_id, regime=dsr.regime, right=dsr.right,
                            receipt_date__year=year)
        .exclude(pk=dsr.pk)
        .filter(Q(status=Status.COMPLETED) | (Q(status__in=[s.value for s in OPEN])
                                             & Q(submission__verified_at__isnull=False)))
        .order_by("received_at", "pk")
        .first()
    )
    if earlier is None:
        return dsr
    grounds = dict(DENIAL_GROUNDS[dsr.regime])
    explanation = (f"{REGIME_ABBREVIATIONS[dsr.regime]} entitles you to one answer per calendar year "
                   f"({rule.citation}); you can ask again from 1 January {year + 1}.")
    denied = case_change_status(
        dsr=dsr, to=Status.DENIED, actor=None,
        reason=f"Once per calendar year: {earlier.reference} already answers {year}",
        denial_ground=ONCE_A_YEAR_GROUND, outcome_summary=f"Denied: {grounds[ONCE_A_YEAR_GROUND]}",
    )
    with message_language(denied.submission):  # every word in the requester's language
        context = {"reference": denied.reference, "right_label": str(denied.get_right_display()),
                   "ground_label": str(_(grounds[ONCE_A_YEAR_GROUND])), "reason": str(_(grounds[ONCE_A_YEAR_GROUND])),
                   "explanation": explanation,
                   "rights_notice": str(denial_rights_notice(dsr.regime, dsr.right, gettext=_)),
                   "citation": rule.citation}
    message_send(submission=denied.submission, template_key="denial", cases=[denied],
                 context=context)
    logger.info("intake: case %s closed, once-a-year right already used by case %s", denied.pk, earlier.pk)
    return denied


def _authorization_store(upload: UploadedFile, *, kind: str, received_at: dt.datetime) -> str:
    """Save the upload in private storage under a random name (client file names can hold personal data)."""
    return default_storage.save(f"authorizations/{received_at:%Y/%m}/{uuid.uuid4().hex}.{kind}", upload)


def _receipt_template(cases: Sequence[Case], *, is_patient: bool) -> str:
    """Pick the one e-mail a new submission gets, from what the rules say about its cases."""
    if is_patient:
        return "intake_patient_notice"
    if any(dsr.acknowledge_by is not None for dsr in cases):
        return "intake_acknowledgement"
    if any(dsr.status == Status.AWAITING_VERIFICATION for dsr in cases):
        return "intake_verification"
    return "intake_received"


def _verification_help(dsr: Case) -> str:
    if dsr.is_patient:
        return str(PATIENT_VERIFICATION_HELP)
    text = str(VERIFICATION_HELP[dsr.verification_level])
    return f"{text} {AGENT_VERIFICATION_HELP}" if dsr.is_agent else text


def receipt_send(*, submission: Submission, cases: Sequence[Case], is_patient: bool) -> Message:
    """Send the one receipt e-mail (with the verification link when needed); record acknowledgements.

    Every channel gets it: the web form here, phone, mail and e-mail through the workbench's manual entry.
    """
    context: dict[str, Any] = {
        "references": ", ".join(dsr.reference for dsr in cases),
        "received_on": cases[0].receipt_date,
        "form_url": absolute(reverse("requests_app:request_form")),
    }
    awaiting = [dsr for dsr in cases if dsr.status == Status.AWAITING_VERIFICATION]
    token = None
    if awaiting:
        raw, token = verification_token_issue(submission=submission)
        context["verify_url"] = verification_url(raw)
    with message_language(submission):  # the plain words in the requester's language
        if token is not None:
            context["verify_expires"] = _utc_text_for_person(token.expires_at)
        for dsr in cases:
            dsr.verification_help = str(_verification_help(dsr))
    message = message_send(submission=submission, template_key=_receipt_template(cases, is_patient=is_patient),
                           cases=cases, context=context)
    for dsr in awaiting:
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.VERIFICATION_SENT, message=message,
                        summary=f"Verification link e-mailed; valid until {_utc_text(token.expires_at)}")
    for dsr in cases:
        rule = deadlines.rule_for(dsr.regime, dsr.right)
        if dsr.acknowledge_by is not None:  # the case's own dates, after the ⚑ conventions
            if dsr.acknowledged_at is None:  # else stored when the case was created (public intake)
                dsr.acknowledged_at = timezone.now()
                dsr._change_reason = "Receipt acknowledged"
                dsr.save(update_fields=["acknowledged_at", "updated_at"])
            timeline_record(dsr=dsr, kind=TimelineEvent.Kind.ACKNOWLEDGED, message=message,
                            summary=f"Receipt acknowledged with how it will be verified and the respond-by date "
                                    f"(due by {dsr.acknowledge_by.isoformat()}; {rule.citation})")
    if submission.is_agent and submission.agent_email:
        agent_context = {key: value for key, value in context.items() if not key.startswith("verify_")}
        # The agent's copy says the consumer was asked to confirm only when a link was in fact sent.
        agent_context["consumer_asked_to_confirm"] = bool(awaiting)
        message_send(submission=submission, template_key="intake_agent_copy", cases=cases,
                     to_email=submission.agent_email, context=agent_context)
    return message


def appeal_link(*, dsr: Case, decision: Case, actor) -> Case:
    """Record on an appeal case the decision it appeals (one audited write), and the appeal on the decision."""
    with case_audited_write(dsr=dsr, actor=actor, kind=TimelineEvent.Kind.OTHER,
                            reason=f"Appeal of the decision on {decision.reference}",
                            summary=f"Appeal of the decision on {decision.reference} "
                                    f"({decision.get_status_display()})") as write:
        write.dsr.appeal_of = decision
    timeline_record(dsr=decision, kind=TimelineEvent.Kind.OTHER, actor=actor,
                    summary=f"Decision appealed: {dsr.reference}, to be answered by {dsr.respond_by.isoformat()}")
    return dsr


def _utc_text(instant: dt.datetime) -> str:
    """An instant in UTC for the records (timeline, logs): always English."""
    return instant.astimezone(dt.UTC).strftime("%-d %B %Y, %H:%M UTC")


def _utc_text_for_person(instant: dt.datetime, *, submission: Submission | None = None) -> str:
    """An instant in UTC for a message, in the active language's date format (or the submission's language)."""
    if submission is not None:
        with message_language(submission):
            return _utc_text_for_person(instant)
    return formats.date_format(instant.astimezone(dt.UTC), "DATETIME_FORMAT")


def _duplicate_link(dsr: Case) -> Case | None:
    """Link a case whose address is confirmed to the oldest other confirmed open case of the same right."""
    original = (
        Case.objects.open()
        .filter(subject_id=dsr.subject_id, right=dsr.right, duplicate_of__isnull=True, is_patient=False)
        .filter(Q(submission__verified_at__isnull=False) | Q(verification_level="none"))
        .exclude(pk=dsr.pk)
        .order_by("received_at", "pk")
        .first()
    )
    if original is None:
        return None
    dsr.duplicate_of = original
    dsr._history_user = None
    dsr._change_reason = f"Same request as {original.reference}: same confirmed e-mail, same right, still open"
    dsr.save(update_fields=["duplicate_of", "updated_at"])
    timeline_record(dsr=dsr, kind=TimelineEvent.Kind.DUPLICATE, summary=f"Duplicate of {original.reference}")
    timeline_record(dsr=original, kind=TimelineEvent.Kind.DUPLICATE,
                    summary=f"{dsr.reference} is the same request from the same confirmed e-mail")
    logger.info("intake: case %s linked as duplicate of case %s", dsr.pk, original.pk)
    return original


# ---------------------------------------------------------------------------------------------------------
# Verification links
# ---------------------------------------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def verification_token_issue(*, submission: Submission) -> tuple[str, VerificationToken]:
    """Create a single-use link token; store only its SHA-256. Return the raw token (for the e-mail) and row."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    token = VerificationToken.objects.create(
        submission=submission, token_hash=_token_hash(raw), created_at=now,
        expires_at=now + dt.timedelta(days=settings.MEDPRIVACY_VERIFICATION_LINK_DAYS),
    )
    return raw, token


def verification_url(raw: str) -> str:
    return absolute(reverse("requests_app:verify", args=[raw]))


def verification_consume(*, token: str) -> Submission:
    """Use a verification link once: confirm the address and verify the submission's waiting cases.

    Raise LinkInvalid (nothing changed) for an unknown, tampered, used or expired token. See the module
    docstring for which cases an officer must still verify.
    """
    now = timezone.now()
    with transaction.atomic():
        row = (VerificationToken.objects.select_for_update().select_related("submission")
               .filter(token_hash=_token_hash(token or "")).first())
        if row is None:
            raise LinkInvalid("unknown")
        if row.used_at is not None:
            raise LinkInvalid("used")
        if row.expires_at <= now:
            raise LinkInvalid("expired")
        row.used_at = now
        row.save(update_fields=["used_at"])
        submission = row.submission
        if submission.verified_at is None:
            submission.verified_at = now
            submission._change_reason = "E-mail address confirmed through the verification link"
            submission.save(update_fields=["verified_at"])
        submission_identity_apply(
            submission=submission, actor=None,
            reason=f"Identity given with submission #{submission.pk} applied: the person confirmed the address "
                   "through the verification link")
        waiting = list(submission.cases.filter(status=Status.AWAITING_VERIFICATION).order_by("pk"))
        for dsr in waiting:
            needs_officer = dsr.verification_level not in LEVELS_MET_BY_EMAIL or dsr.is_agent
            try:
                case_change_status(
                    dsr=dsr, to=Status.VERIFIED, actor=None,
                    reason="The requester confirmed the e-mail address through the verification link",
                    verification_method="e-mail link", needs_officer_verification=needs_officer,
                    verification_evidence="email_link",
                )
            except IllegalTransition:  # an officer closed it a moment ago; the other cases still count
                continue
            remaining = []
            if dsr.verification_level not in LEVELS_MET_BY_EMAIL:
                remaining.append(f"the rules ask for '{dsr.verification_level.replace('_', ' ')}'")
            if dsr.is_agent:
                remaining.append("the agent's signed authorization must be checked")
            timeline_record(
                dsr=dsr, kind=TimelineEvent.Kind.VERIFIED, label="requester",
                summary="E-mail address confirmed"
                        + (f"; an officer must finish verification: {' and '.join(remaining)}" if remaining else ""),
            )
            _duplicate_link(dsr)
            dsr.refresh_from_db()
            case_start_fulfilment(dsr=dsr, actor=None)
    logger.info("intake: submission %s verified by e-mail link (%s case(s))", submission.pk, len(waiting))
    return submission


def submission_identity_apply(*, submission: Submission, actor: Any, reason: str) -> list[str]:
    """Apply the identity filed with a submission to its data subject, once, with history; return changes.

    Callers: the verification link (the person proved control of the address) and an officer with rights
    on every case of the person (`workbench.submission_identity_confirm`).
    """
    if submission.identity_applied_at is not None or not submission.filed_identity:
        return []
    subject = type(submission.subject).objects.select_for_update().get(pk=submission.subject_id)
    changed = subject_identity_update(subject=subject, details=submission.filed_identity, reason=reason, actor=actor)
    submission.identity_applied_at = timezone.now()
    submission._history_user = actor
    submission._change_reason = reason
    submission.save(update_fields=["identity_applied_at"])
    return changed


# ---------------------------------------------------------------------------------------------------------
# Requester actions after submitting
# ---------------------------------------------------------------------------------------------------------


def case_withdraw_by_requester(*, dsr: Case) -> Case:
    """Withdraw an open case at its requester's wish and confirm it by e-mail; IllegalTransition if closed."""
    with transaction.atomic():
        updated = case_change_status(dsr=dsr, to=Status.WITHDRAWN, actor=None,
                                     reason="Withdrawn by the requester on the status page")
        message_send(submission=updated.submission, template_key="intake_withdrawn", cases=[updated],
                     context={"form_url": absolute(reverse("requests_app:request_form"))})
    logger.info("intake: case %s withdrawn by the requester", updated.pk)
    return updated


def status_link_send(*, email: str) -> bool:
    """E-mail a fresh status link (and fresh verification links) to a known address; False when unknown.

    The caller shows the same page either way, so nothing reveals whether the address is known.
    """
    subject = subject_by_email(email)
    latest = subject.submissions.order_by("-received_at", "-pk").first() if subject is not None else None
    if latest is None:
        logger.info("intake: new link asked for an address without requests")
        return False
    with transaction.atomic():
        verify_links, expires = [], None
        waiting = (Case.objects.filter(subject=subject, status=Status.AWAITING_VERIFICATION)
                   .select_related("submission").order_by("received_at", "pk"))
        by_submission: dict[int, list[Case]] = {}
        for dsr in waiting:
            by_submission.setdefault(dsr.submission_id, []).append(dsr)
        for group in by_submission.values():
            raw, token = verification_token_issue(submission=group[0].submission)
            expires = token.expires_at
            verify_links.append({"url": verification_url(raw),
                                 "references": ", ".join(dsr.reference for dsr in group)})
            for dsr in group:
                timeline_record(dsr=dsr, kind=TimelineEvent.Kind.VERIFICATION_SENT, label="requester",
                                summary=f"New verification link asked for; valid until {_utc_text(expires)}")
        message_send(submission=latest, template_key="intake_new_link",
                     cases=list(Case.objects.open().filter(subject=subject).order_by("received_at", "pk")),
                     context={"verify_links": verify_links,
                              "verify_expires": _utc_text_for_person(expires, submission=latest) if expires else ""})
    logger.info("intake: new status link sent for subject %s (%s verification link(s))", subject.pk,
                len(verify_links))
    return True


# ---------------------------------------------------------------------------------------------------------
# Re-confirming the e-mail address on the status page (before the conversation is shown or answered)
# ---------------------------------------------------------------------------------------------------------

STATUS_CONFIRM_SESSION_KEY = "medprivacy.status-confirmed"
STATUS_CONFIRM_SECONDS = 30 * 60
# Wrong addresses typed on status pages, per client (scope "intake.status_confirm" of the one rate limiter):
# counted per client, not per link, so a stranger's guesses never lock the requester out.
STATUS_CONFIRM_SCOPE = "intake.status_confirm"


class ConfirmRefused(Exception):
    """The e-mail address typed on the status page is not the requester's, or too many were tried."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def status_confirmed(*, session, subject: DataSubject) -> bool:
    """Return whether this browser re-confirmed the subject's e-mail address in the last half hour."""
    stamp = (session.get(STATUS_CONFIRM_SESSION_KEY) or {}).get(str(subject.pk))
    return isinstance(stamp, int | float) and 0 <= clock.now().timestamp() - stamp < STATUS_CONFIRM_SECONDS


def status_email_confirm(*, request, subject: DataSubject, email: str) -> None:
    """Remember in the session that the holder of the status link typed the requester's e-mail address.

    Raise ConfirmRefused (400 empty, 403 wrong, 429 after too many wrong tries from this client).
    """
    rate = ratelimit.scope_rate(STATUS_CONFIRM_SCOPE) or ""
    limit = int(rate.split("/", 1)[0]) if rate else 0
    if limit and ratelimit.rate_limit_usage(request, scope=STATUS_CONFIRM_SCOPE) >= limit:
        raise ConfirmRefused(_("Too many wrong e-mail addresses were entered. Try again in 15 minutes."), status=429)
    if not (email or "").strip():
        raise ConfirmRefused(_("Enter the e-mail address you made the request with."), status=400)
    if not subject.email or normalize_email(email) != subject.email:
        ratelimit.rate_limit_hit(request, scope=STATUS_CONFIRM_SCOPE)
        logger.info("intake: status page e-mail confirmation failed for subject %s", subject.pk)
        raise ConfirmRefused(_("This is not the e-mail address the request was made with."), status=403)
    session = request.session
    confirmed = dict(session.get(STATUS_CONFIRM_SESSION_KEY) or {})
    confirmed[str(subject.pk)] = clock.now().timestamp()
    session[STATUS_CONFIRM_SESSION_KEY] = confirmed
    session.cycle_key()
