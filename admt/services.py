"""Writes of the AI register and of the ADMT rights: notices, the tasks an opt-out or access request creates,
a clinic's instruction, and the access response assembled from the register.

Every write leaves a history row (who, why) and, for a case, a timeline entry. Nothing here logs personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from admt import selectors
from admt.models import AdmtAccessResponse, AdmtRequestScope, AutomatedSystem, ClinicInstruction, PreUseNotice
from admt.rules import CLINIC_ACTION, DECISION_KINDS, EXCEPTIONS, NO_RETALIATION, RIGHT_ACTIONS, WITHHOLDING_GROUNDS
from fulfilment.models import FulfilmentTask, System
from fulfilment.services import fulfilment_create_tasks, fulfilment_task_resolve
from medprivacy.links import absolute
from outbox.models import ThreadMessage
from outbox.services import message_send
from regimes.rules import RIGHT_LABELS
from retention.categories import CATEGORIES
from timeline.models import TimelineEvent
from timeline.services import Actor, timeline_record

logger = logging.getLogger(__name__)


class AdmtError(ValueError):
    """A register or ADMT-request step the rules refuse; the message says why."""


# ---------------------------------------------------------------------------------------------------------
# The register and its pre-use notices
# ---------------------------------------------------------------------------------------------------------


def automated_system_save(*, automated_system: AutomatedSystem, actor: Actor,
                          reason: str = "Changed in the admin") -> AutomatedSystem:
    """Check and save a register entry; record who changed it and why."""
    try:
        automated_system.full_clean()
    except ValidationError as exc:
        raise AdmtError(" ".join(exc.messages)) from None
    automated_system._history_user = actor
    automated_system._change_reason = reason
    automated_system.save()
    return automated_system


def notice_default_text(automated_system: AutomatedSystem) -> str:
    """Return a first draft of a pre-use notice from the register entry (§7220's contents, in plain words)."""
    categories = ", ".join(CATEGORIES[code].label for code in automated_system.input_categories) or "—"
    opt_out = ("You may opt out: follow the link on this page. " + (automated_system.alternative_process or "")
               if automated_system.exception == "none" else
               f"We rely on an exception to the opt-out: {EXCEPTIONS[automated_system.exception]}. "
               "You may appeal a decision to a qualified human reviewer who can overturn it.")
    return "\n\n".join([
        f"What we use it for: {automated_system.specific_purpose}",
        f"How it works: it uses {categories}. {automated_system.logic}",
        f"Its output: {automated_system.output} How the output is used: {automated_system.output_use}",
        f"The human role: {automated_system.human_role or 'none'}",
        opt_out.strip(),
        "You may ask us how it was used about you (access to information about automated decision-making).",
        NO_RETALIATION,
    ])


def notice_draft_create(*, automated_system: AutomatedSystem, actor: Actor, title: str = "",
                        body: str = "") -> PreUseNotice:
    """Start the next version of a system's notice as a draft (from the register when no text is given)."""
    with transaction.atomic():
        locked = AutomatedSystem.objects.select_for_update().get(pk=automated_system.pk)
        last = PreUseNotice.objects.filter(automated_system=locked).aggregate(v=Max("version"))["v"] or 0
        notice = PreUseNotice(
            automated_system=locked, version=last + 1, created_by=actor,
            title=(title or f"Notice about automated decision-making: {locked.public_name}")[:200],
            body=body.strip() or notice_default_text(locked),
        )
        notice._history_user = actor
        notice._change_reason = f"Draft version {notice.version}"
        notice.save()
    return notice


def notice_edit(*, notice: PreUseNotice, actor: Actor, title: str, body: str) -> PreUseNotice:
    """Change a draft; a published notice is never edited (start a new version instead)."""
    with transaction.atomic():
        locked = PreUseNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.is_published:
            raise AdmtError(f"Version {locked.version} is published and cannot change: start a new version.")
        if not title.strip() or not body.strip():
            raise AdmtError("A notice needs a title and a text.")
        locked.title, locked.body = title.strip()[:200], body.strip()
        locked._history_user = actor
        locked._change_reason = "Draft edited"
        locked.save()
    return locked


def notice_publish(*, notice: PreUseNotice, actor: Actor) -> PreUseNotice:
    """Publish a draft: from now on it is shown before use and never changes."""
    with transaction.atomic():
        locked = PreUseNotice.objects.select_for_update().select_related("automated_system").get(pk=notice.pk)
        if locked.is_published:
            raise AdmtError(f"Version {locked.version} is already published.")
        if not locked.automated_system.is_active:
            raise AdmtError("The system is no longer in use: its notice cannot be published.")
        locked.published_at, locked.published_by = timezone.now(), actor
        locked._history_user = actor
        locked._change_reason = f"Published version {locked.version}"
        locked.save()
    logger.info("admt: notice %s (system %s) published", locked.pk, locked.automated_system_id)
    return locked


# ---------------------------------------------------------------------------------------------------------
# Requests: which systems they name, the tasks they create
# ---------------------------------------------------------------------------------------------------------


def admt_scope_record(*, submission, automated_system_ids: list[int]) -> list[AdmtRequestScope]:
    """Record the systems a request names (before its cases are created, which read it)."""
    systems = AutomatedSystem.objects.filter(pk__in=automated_system_ids, is_active=True)
    return [AdmtRequestScope.objects.get_or_create(submission=submission, automated_system=system)[0]
            for system in systems]


def _targets(dsr) -> tuple[list[tuple[System, str]], dict[tuple[int, str], str], list[AutomatedSystem]]:
    """Return the (system, action) tasks of a case, those created not applicable (why), and the clinics' ADMT."""
    own_action, recipient_action = RIGHT_ACTIONS[dsr.right]
    targets: list[tuple[System, str]] = []
    not_applicable: dict[tuple[int, str], str] = {}
    clinics: list[AutomatedSystem] = []
    for automated in selectors.systems_for_case(dsr):
        if dsr.right in ("admt_opt_out", "profiling_opt_out") and automated.exception != "none":
            # The opt-out is not offered for this system: say why on its task instead of acting.
            not_applicable[(automated.system_id, own_action)] = (
                f"Exception relied on: {EXCEPTIONS[automated.exception]}; the person may appeal instead.")
            targets.append((automated.system, own_action))
            continue
        if automated.company_role == "service_provider" and own_action != "export_admt":
            targets.append((automated.system, CLINIC_ACTION))
            clinics.append(automated)
            continue
        targets.append((automated.system, own_action))
        if recipient_action is not None:
            targets += [(recipient, recipient_action) for recipient in automated.recipients.filter(is_active=True)]
    return targets, not_applicable, clinics


def admt_case_start(*, dsr, actor: Actor = None) -> list[FulfilmentTask]:
    """Create the tasks an ADMT right asks of the register's systems and recipients; forward a clinic's ADMT.

    An opt-out needs no verification, so this runs at intake: a task for every system (and recipient of its
    output) that processes the person's information with the ADMT, due within the case's limit; where the ADMT
    is a clinic's, the request is forwarded to the clinic and a task tracks carrying out its instruction.
    Idempotent (the fulfilment tasks and the forwarding are unique per case and system).
    """
    if dsr.right not in RIGHT_ACTIONS:
        return []
    targets, not_applicable, clinics = _targets(dsr)
    with transaction.atomic():
        created = fulfilment_create_tasks(dsr=dsr, actor=actor, targets=targets, not_applicable=not_applicable)
        for automated in clinics:
            _clinic_forward(dsr=dsr, automated=automated, actor=actor)
        if not targets:
            timeline_record(dsr=dsr, kind=TimelineEvent.Kind.TASK, actor=actor,
                            summary="No automated system in the register processes this person's information "
                                    "for this right: nothing to stop or fetch")
    return created


def _clinic_forward(*, dsr, automated: AutomatedSystem, actor: Actor) -> ClinicInstruction | None:
    if ClinicInstruction.objects.filter(case=dsr, automated_system=automated).exists():
        return None
    task = FulfilmentTask.objects.get(case=dsr, system=automated.system, action=CLINIC_ACTION)
    forwarding = ClinicInstruction(case=dsr, automated_system=automated, clinic=automated.clinic, task=task,
                                   due_on=dsr.due_on)
    forwarding._history_user = actor
    forwarding._change_reason = "Opt-out forwarded to the clinic"
    forwarding.save()
    message_send(submission=dsr.submission, template_key="admt_clinic_forward", cases=[dsr], actor=actor,
                 to_email=automated.clinic.privacy_email, context={
                     "reference": dsr.reference, "right_label": RIGHT_LABELS[dsr.right],
                     "organization_name": automated.clinic.name, "system_name": automated.public_name,
                     "received_on": dsr.receipt_date.isoformat(), "due_on": dsr.due_on.isoformat(),
                     "subject_email": dsr.subject.email})
    timeline_record(dsr=dsr, kind=TimelineEvent.Kind.OTHER, actor=actor,
                    summary=f"Forwarded to {automated.clinic.name}, whose automated system {automated.public_name} "
                            f"we run as its service provider; its instruction is carried out by "
                            f"{dsr.due_on.isoformat()}")
    return forwarding


def clinic_instruction_record(*, forwarding: ClinicInstruction, actor: Actor, instruction: str,
                              note: str = "") -> ClinicInstruction:
    """Record the clinic's instruction; an instruction to continue (its exception) closes the task with why."""
    instruction = ClinicInstruction.Instruction(instruction)
    with transaction.atomic():
        locked = ClinicInstruction.objects.select_for_update().select_related("task", "clinic").get(pk=forwarding.pk)
        if locked.instruction_received_at is not None:
            raise AdmtError("The clinic's instruction is already recorded.")
        locked.instruction, locked.instruction_note = instruction, note.strip()
        locked.instruction_received_at, locked.recorded_by = timezone.now(), actor
        locked._history_user = actor
        locked._change_reason = f"Clinic's instruction: {instruction.label}"
        locked.save()
        timeline_record(dsr=locked.case, kind=TimelineEvent.Kind.OTHER, actor=actor,
                        summary=f"{locked.clinic.name} instructed: {instruction.label}; carry it out by "
                                f"{locked.due_on.isoformat()}")
        if instruction == ClinicInstruction.Instruction.EXCEPTION:
            fulfilment_task_resolve(task=locked.task, state=FulfilmentTask.State.NOT_APPLICABLE, actor=actor,
                                    reason=f"{locked.clinic.name} relies on an exception: {note.strip() or '—'}")
    return locked


# ---------------------------------------------------------------------------------------------------------
# The ADMT access response (§7222)
# ---------------------------------------------------------------------------------------------------------


def _policy_rights_link() -> str:
    return settings.MEDPRIVACY_POLICY_RIGHTS_URL or absolute("/#your-rights")


def admt_access_response_build(*, dsr, actor: Actor,
                               withheld: Mapping[int, tuple[str, str]] | None = None) -> AdmtAccessResponse:
    """Assemble the ADMT access response of a case from the register and the person's outputs; store it.

    `withheld` maps an automated system's id to (ground, reason): its logic is withheld as a trade secret or a
    security detail, and the reason is recorded. Refused while a fetch task is still open.
    """
    systems_reached = selectors.systems_for_case(dsr)
    # What the register says is withheld from every response (trade secret, security), unless the officer says.
    withheld = {**{s.pk: (s.withheld_ground, s.withheld_reason) for s in systems_reached if s.withheld_ground},
                **(withheld or {})}
    for ground, reason in withheld.values():
        if ground not in WITHHOLDING_GROUNDS or not reason.strip():
            raise AdmtError("Withholding needs a ground (trade secret or security) and the reason.")
    tasks = {task.system_id: task for task in
             FulfilmentTask.objects.filter(case=dsr, action="export_admt").select_related("system")}
    if any(task.state in (FulfilmentTask.State.OPEN, FulfilmentTask.State.FAILED) for task in tasks.values()):
        raise AdmtError("Finish fetching the person's outputs first: a task is still open or failed.")
    systems = [s for s in systems_reached if s.system_id in tasks] or systems_reached
    sections, withheld_record = [], []
    for automated in systems:
        lines = [f"== {automated.public_name} ==",
                 f"Specific purpose: {automated.specific_purpose}",
                 f"Kind of decision: {DECISION_KINDS[automated.decision_kind]}"]
        if automated.pk in withheld:
            ground, reason = withheld[automated.pk]
            lines.append(f"How it works: withheld — {WITHHOLDING_GROUNDS[ground]}: {reason.strip()}")
            withheld_record.append({"system": automated.public_name, "ground": ground, "reason": reason.strip()})
        else:
            lines.append(f"How it works: {automated.logic}")
        lines += [f"Its output: {automated.output}",
                  f"How the output was used: {automated.output_use}",
                  f"The human role: {automated.human_role or 'No human reviews the output before it is used.'}"
                  + ("" if not automated.human_meets_conditions else
                     " The reviewer can read the output, reviews it with other information and can change the "
                     "decision."),
                  f"Planned future uses: {automated.future_uses or 'None planned.'}"]
        lines.append("Outputs about you: " + _outputs_text(tasks.get(automated.system_id)))
        sections.append("\n".join(lines))
    policy = _policy_rights_link()
    body = "\n\n".join([
        "How we use automated decision-making technology about you:",
        *(sections or ["No automated system in our register processes your information."]),
        NO_RETALIATION,
        f"Your rights are explained in our privacy policy, section 7 (Your Privacy Choices and Rights): {policy}",
    ])
    response = AdmtAccessResponse.objects.create(case=dsr, body=body, withheld=withheld_record, created_by=actor)
    timeline_record(dsr=dsr, kind=TimelineEvent.Kind.OTHER, actor=actor,
                    summary=f"ADMT access response #{response.pk} assembled from {len(sections)} system(s)"
                            + (f"; withheld from {len(withheld_record)} (reason recorded)" if withheld_record else ""))
    return response


def _outputs_text(task: FulfilmentTask | None) -> str:
    if task is None:
        return "none fetched."
    if task.state == FulfilmentTask.State.NOT_FOUND:
        return "we found none."
    data: Any = (task.result or {}).get("data") if isinstance(task.result, dict) else None
    if not data:
        return "we found none."
    items = data if isinstance(data, list) else [data]
    # Keys sorted: the same text whatever order the database kept them in (jsonb sorts them, SQLite does not).
    return "\n" + "\n".join(
        "- " + (", ".join(f"{k}: {v}" for k, v in sorted(item.items())) if isinstance(item, dict) else str(item))
        for item in items[:100])


# ---------------------------------------------------------------------------------------------------------
# Erasure
# ---------------------------------------------------------------------------------------------------------


def admt_minimise(*, case_ids: list[int]) -> dict[str, int]:
    """Cut the ADMT records of erased cases to what the record of the request needs: no outputs, no notes."""
    erased = "[erased: the response was sent; its contents were deleted with the requester's data]"
    responses = AdmtAccessResponse.objects.filter(case_id__in=case_ids).update(body=erased)
    # The copy in the conversation carries the person's outputs too (the outbox copy goes with their messages).
    ThreadMessage.objects.filter(case_id__in=case_ids, template_key="admt_access_response").update(body=erased)
    notes = ClinicInstruction.objects.filter(case_id__in=case_ids).exclude(instruction_note="")
    ids = list(notes.values_list("pk", flat=True))
    notes.update(instruction_note="")
    ClinicInstruction.history.filter(id__in=ids).exclude(instruction_note="").update(instruction_note="")
    return {"admt_access_responses": responses, "clinic_instruction_notes": len(ids)}
