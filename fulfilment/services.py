"""Fulfilment: the per-system tasks of a case, the connectors that carry them out, and the rules that
keep a case open until every system has answered.

Every write of a task goes through this module and leaves a history row (who, why) and a timeline entry.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from fulfilment import connectors, model_connector, tasks
from fulfilment import selectors as fulfilment_selectors
from fulfilment.errors import FulfilmentBlocked, FulfilmentError
from fulfilment.model_connector import ConnectorError
from fulfilment.models import AccessPackage, FulfilmentTask, System, TaskEvidence, WebhookLog
from fulfilment.rules import ACTIONS, ERASURE_EXCEPTIONS, RETAINED_ON_ERASURE
from medprivacy import access, clock
from medprivacy.links import absolute
from regimes.rules import RECORD_KEEPING
from retention.categories import CATEGORIES
from timeline.models import TimelineEvent
from timeline.services import Actor, timeline_record

logger = logging.getLogger(__name__)

State = FulfilmentTask.State
RESOLVED_STATES = frozenset({State.DONE, State.NOT_FOUND, State.NOT_APPLICABLE, State.FAILED})
_MAX_MESSAGE = 500
_MAX_FILES = 20


class ResultInvalid(ValueError):
    """A result from a system that does not follow the protocol."""


# ---------------------------------------------------------------------------------------------------------
# Creating tasks
# ---------------------------------------------------------------------------------------------------------


def task_due_on(dsr, *, today: dt.date | None = None) -> dt.date:
    """Return a task's due date: the margin before the case is due, never in the past, never after the case."""
    today = today or clock.regime_today(dsr.regime)
    wanted = dsr.due_on - dt.timedelta(days=settings.MEDPRIVACY_TASK_DUE_MARGIN_DAYS)
    return min(max(wanted, today), dsr.due_on)


def fulfilment_create_tasks(*, dsr, actor: Actor = None, targets: list[tuple[System, str]] | None = None,
                            not_applicable: dict[tuple[int, str], str] | None = None) -> list[FulfilmentTask]:
    """Create one task per system that may hold the subject's data, for the action the case's right needs.

    `targets` (system, action) replaces the data map's choice for rights planned elsewhere (the AI register
    of the admt app); `not_applicable` maps (system id, action) to the reason a task is created already
    closed as not applicable (e.g. the ADMT exception relied on). Idempotent: a (case, system, action) that
    already has a task is skipped. Connector tasks (webhook, Django model) are due for dispatch at once; the
    retry sweep and an on-commit dispatch send them.
    """
    now = timezone.now()
    created: list[FulfilmentTask] = []
    not_applicable = not_applicable or {}
    with transaction.atomic():
        locked = type(dsr).objects.select_for_update().get(pk=dsr.pk)
        existing = set(FulfilmentTask.objects.filter(case=locked).values_list("system_id", "action"))
        wanted = fulfilment_selectors.systems_for_case(locked) if targets is None else targets
        for system, action in wanted:
            if (system.pk, action) in existing:
                continue
            task = FulfilmentTask(
                case=locked, system=system, action=action, owner=system.owner_user,
                due_on=task_due_on(locked), request_id=secrets.token_hex(16),
            )
            retained = _retained_exception(system, locked.regime) if action == "delete" else None
            if (system.pk, action) in not_applicable:
                task.state, task.state_reason = State.NOT_APPLICABLE, not_applicable[(system.pk, action)]
                task.completed_at = now
            elif retained is not None:
                # Everything this system holds is kept under an exception: say so instead of deleting.
                task.state, task.exception, task.state_reason = State.NOT_APPLICABLE, retained[0], retained[1]
                task.completed_at = now
            elif system.access_method != System.Access.MANUAL:
                task.next_attempt_at = now
            task._history_user = actor
            task._change_reason = "Created when the case was verified"
            task.save()
            created.append(task)
            existing.add((system.pk, action))
        if created:
            names = ", ".join(f"{t.system.name} ({t.action})" for t in created)
            timeline_record(dsr=locked, kind=TimelineEvent.Kind.TASK, actor=actor,
                            summary=f"{len(created)} fulfilment task(s) created: {names}")
            ids = [t.pk for t in created if t.next_attempt_at is not None]
            if ids:
                transaction.on_commit(lambda: _enqueue_dispatch(ids))
    logger.info("case %s: %s fulfilment tasks created", dsr.pk, len(created))
    return created


def retained_reason(code: str, regime: str) -> str:
    """Return why category `code` is kept on erasure, citing the record-keeping rules of `regime`."""
    rules = RECORD_KEEPING[regime]
    return RETAINED_ON_ERASURE[code][1].format(records=rules.records, consent=rules.consent)


def _retained_exception(system: System, regime: str) -> tuple[str, str] | None:
    """Return (exception, reason) when every category of `system` is kept on erasure, else None."""
    if not system.categories or not all(code in RETAINED_ON_ERASURE for code in system.categories):
        return None
    exceptions = {RETAINED_ON_ERASURE[code][0] for code in system.categories}
    reasons = " ".join(dict.fromkeys(retained_reason(code, regime) for code in system.categories))
    return (exceptions.pop() if len(exceptions) == 1 else "legal_obligation"), reasons


def _enqueue_dispatch(task_ids: list[int]) -> None:
    for task_id in task_ids:
        tasks.dispatch_fulfilment_task.delay(task_id)


# ---------------------------------------------------------------------------------------------------------
# Resolving tasks (officers, connectors)
# ---------------------------------------------------------------------------------------------------------


def fulfilment_task_resolve(*, task: FulfilmentTask, state: str, actor: Actor, reason: str = "",
                            notes: str | None = None, result: dict[str, Any] | None = None,
                            exception: str = "", label: str | None = None) -> FulfilmentTask:
    """Close an open (or failed) task as done, not found, not applicable (with a reason) or failed."""
    state = State(state)
    if state == State.OPEN:
        raise FulfilmentError("Use fulfilment_task_retry to reopen a task.")
    if state in (State.NOT_APPLICABLE, State.FAILED) and not reason.strip():
        raise FulfilmentError(f"A task marked {state.label.lower()} needs a reason.")
    if exception and exception not in ERASURE_EXCEPTIONS:
        raise FulfilmentError(f"Unknown exception {exception!r}.")
    with transaction.atomic():
        locked = FulfilmentTask.objects.select_for_update().select_related("system", "case").get(pk=task.pk)
        if locked.state not in (State.OPEN, State.FAILED):
            raise FulfilmentError(f"The task is already {locked.get_state_display().lower()}.")
        locked.state = state
        locked.state_reason = reason.strip()
        locked.exception = exception
        locked.completed_at = timezone.now()
        locked.next_attempt_at = None
        if notes is not None:
            locked.notes = notes
        if result is not None:
            locked.result = result
        locked._history_user = actor
        locked._change_reason = f"{state.label}: {reason.strip()}" if reason.strip() else state.label
        locked.save()
        timeline_record(dsr=locked.case, kind=TimelineEvent.Kind.TASK, actor=actor, label=label,
                        summary=f"{locked.system.name}: {ACTIONS[locked.action].lower()} — {state.label.lower()}"
                                + (f" ({reason.strip()})" if reason.strip() else ""))
    task.refresh_from_db()
    return locked


def fulfilment_task_retry(*, task: FulfilmentTask, actor: Actor, reason: str) -> FulfilmentTask:
    """Reopen a failed task; a connector task is sent again by the next sweep with a fresh attempt count."""
    if not reason.strip():
        raise FulfilmentError("Reopening a task needs a reason.")
    with transaction.atomic():
        locked = FulfilmentTask.objects.select_for_update().select_related("system", "case").get(pk=task.pk)
        if locked.state != State.FAILED:
            raise FulfilmentError("Only a failed task can be retried.")
        locked.state, locked.state_reason, locked.completed_at = State.OPEN, "", None
        locked.attempts, locked.last_error = 0, ""
        if locked.system.access_method != System.Access.MANUAL:
            locked.next_attempt_at = timezone.now()
        locked._history_user = actor
        locked._change_reason = f"Reopened: {reason.strip()}"
        locked.save()
        timeline_record(dsr=locked.case, kind=TimelineEvent.Kind.TASK, actor=actor,
                        summary=f"{locked.system.name}: task reopened ({reason.strip()})")
    task.refresh_from_db()
    return locked


def fulfilment_task_attach_evidence(*, task: FulfilmentTask, name: str, content: bytes,
                                    content_type: str = "", actor: Actor = None,
                                    source: str = "officer") -> TaskEvidence:
    """Store a file proving what a system did, in private storage, and note it on the timeline."""
    safe_name = (name or "evidence").replace("/", "_").replace("\\", "_")[:150]
    evidence = TaskEvidence(task=task, name=safe_name, content_type=content_type[:100], source=source,
                            uploaded_by=actor)
    evidence.file.save(safe_name, ContentFile(content), save=False)
    evidence.save()
    timeline_record(dsr=task.case, kind=TimelineEvent.Kind.ATTACHMENT, actor=actor,
                    label=None if source == "officer" else "system",
                    summary=f"{task.system.name}: evidence file #{evidence.pk} attached ({len(content)} bytes)")
    return evidence


# The largest evidence file an officer may upload for one task.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# What the case page's form may ask for a task besides a resolved state: send a failed connector task again.
RETRY = "retry"


@dataclass(frozen=True)
class EvidenceFile:
    """An uploaded evidence file, read by the caller: its name, bytes and declared content type."""

    name: str
    content: bytes
    content_type: str = ""


@dataclass(frozen=True)
class TaskOutcome:
    """What an officer records for one task: a resolved state, RETRY, or "" (keep the state: evidence only)."""

    task_id: int
    state: str = ""
    reason: str = ""
    exception: str = ""
    notes: str | None = None
    evidence: tuple[EvidenceFile, ...] = ()


class TaskOutcomesRefused(FulfilmentError):
    """Some outcomes could not be recorded; nothing was (`errors`: task id → why, in an officer's words)."""

    def __init__(self, errors: dict[int, str]) -> None:
        self.errors = errors
        super().__init__(f"Nothing was recorded: {len(errors)} task(s) need attention.")


def fulfilment_tasks_record(*, dsr, actor: Actor, outcomes: list[TaskOutcome]) -> list[FulfilmentTask]:
    """Record the outcomes of several tasks of one case at once, with their evidence: all or nothing.

    Checks that `actor` may work on the case, then calls `fulfilment_task_resolve` / `fulfilment_task_retry` /
    `fulfilment_task_attach_evidence` for each task (each writes its own history and timeline rows). If any
    task refuses, every write is rolled back, the evidence files already stored are deleted, and
    `TaskOutcomesRefused` names each refused task. A task id of another case is refused, not looked up.
    """
    if not access.case_can_change(user=actor, dsr=dsr):
        raise PermissionDenied("You may not work on this case.")
    if not outcomes:
        raise FulfilmentError("Choose an outcome or attach evidence for at least one task.")
    tasks = {t.pk: t for t in FulfilmentTask.objects.filter(case_id=dsr.pk, pk__in=[o.task_id for o in outcomes])
             .select_related("system", "case")}
    errors: dict[int, str] = {}
    stored: list[TaskEvidence] = []
    recorded: list[FulfilmentTask] = []
    try:
        with transaction.atomic():
            for outcome in outcomes:
                task = tasks.get(outcome.task_id)
                if task is None:
                    errors[outcome.task_id] = "This is not a task of this case."
                    continue
                try:
                    with transaction.atomic():  # a savepoint: a refused task leaves nothing of its own
                        recorded.append(_task_outcome_apply(task=task, outcome=outcome, actor=actor, stored=stored))
                except FulfilmentError as exc:
                    errors[outcome.task_id] = str(exc)
            if errors:
                raise TaskOutcomesRefused(errors)
    except BaseException:
        for evidence in stored:  # files are written outside the transaction: remove what was rolled back
            evidence.file.storage.delete(evidence.file.name)
        raise
    logger.info("case %s: %s task outcome(s) recorded", dsr.pk, len(recorded))
    return recorded


def _task_outcome_apply(*, task: FulfilmentTask, outcome: TaskOutcome, actor: Actor,
                        stored: list[TaskEvidence]) -> FulfilmentTask:
    if outcome.state not in ("", RETRY, *(s.value for s in RESOLVED_STATES)):
        raise FulfilmentError(f"Unknown outcome {outcome.state[:40]!r}.")
    for item in outcome.evidence:
        if not item.content:
            raise FulfilmentError(f"{item.name[:80]}: the file is empty.")
        if len(item.content) > MAX_EVIDENCE_BYTES:
            raise FulfilmentError(f"{item.name[:80]}: evidence files are limited to "
                                  f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.")
    if outcome.state == RETRY:
        task = fulfilment_task_retry(task=task, actor=actor, reason=outcome.reason)
    elif outcome.state:
        task = fulfilment_task_resolve(task=task, state=outcome.state, actor=actor, reason=outcome.reason,
                                       notes=outcome.notes, exception=outcome.exception)
    elif not outcome.evidence:
        raise FulfilmentError("Choose an outcome or attach evidence.")
    for item in outcome.evidence:
        stored.append(fulfilment_task_attach_evidence(task=task, name=item.name, content=item.content,
                                                      content_type=item.content_type, actor=actor))
    return task


# ---------------------------------------------------------------------------------------------------------
# Completion gate
# ---------------------------------------------------------------------------------------------------------


def fulfilment_assert_can_complete(*, dsr, actor: Actor, override_reason: str | None = None) -> None:
    """Raise FulfilmentBlocked while a task is open or failed, unless a supervisor overrides with a reason.

    An override marks each blocking task as overridden (its history row carries the supervisor and the
    reason) and puts the override on the case's timeline.
    """
    blocking = list(fulfilment_selectors.fulfilment_blocking_tasks(dsr))
    if not blocking:
        return
    listed = ", ".join(f"{t.system.name}: {t.action} ({t.get_state_display().lower()})" for t in blocking)
    if override_reason is None or not override_reason.strip():
        raise FulfilmentBlocked(
            f"{dsr.reference} cannot be completed: {len(blocking)} fulfilment task(s) are not finished "
            f"({listed}). Finish them, or a privacy supervisor may override with a reason."
        )
    if not access.user_is_supervisor(user=actor):
        raise PermissionDenied("Only a privacy supervisor may complete a case whose fulfilment tasks are "
                               "not finished.")
    reason = override_reason.strip()
    now = timezone.now()
    with transaction.atomic():
        for task in FulfilmentTask.objects.select_for_update().filter(pk__in=[t.pk for t in blocking]):
            task.overridden_at, task.overridden_by, task.override_reason = now, actor, reason
            task._history_user = actor
            task._change_reason = f"Completion override: {reason}"
            task.save()
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.TASK, actor=actor,
                        summary=f"Supervisor override: completed with {len(blocking)} unfinished fulfilment "
                                f"task(s) ({listed}): {reason}")


# ---------------------------------------------------------------------------------------------------------
# Dispatch: webhook and Django-model connectors, with retries
# ---------------------------------------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> int:
    """Wait after failed attempt number `attempt` (1-based): the backoff doubling, at most 6 hours."""
    return min(settings.MEDPRIVACY_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1), 6 * 3600)


def callback_url(task: FulfilmentTask) -> str:
    return absolute(reverse("fulfilment:callback", args=[task.request_id]))


def webhook_payload(task: FulfilmentTask) -> dict[str, Any]:
    """Build the JSON a system receives: the action, ids, the subject's identifiers and the callback URL."""
    dsr, subject = task.case, task.case.subject
    payload: dict[str, Any] = {
        "protocol": connectors.PROTOCOL,
        "request_id": task.request_id,
        "task_id": task.pk,
        "case_reference": dsr.reference,
        "action": task.action,
        "right": dsr.right,
        "regime": dsr.regime,
        "due_on": task.due_on.isoformat(),
        "subject": {"email": subject.email, "name": subject.full_name},
        "callback_url": callback_url(task),
    }
    if task.action == "correct":
        payload["correction"] = {"wrong": dsr.submission.correction_wrong, "right": dsr.submission.correction_right}
    if dsr.is_patient and dsr.submission.clinic_name:
        payload["subject"]["clinic_name"] = dsr.submission.clinic_name
    return payload


def _claim(task_id: int, now: dt.datetime) -> FulfilmentTask | None:
    """Claim a due attempt with compare-and-set; push the next attempt forward before trying."""
    task = FulfilmentTask.objects.select_related("system", "case__subject", "case__submission").filter(
        pk=task_id, state=State.OPEN, overridden_at__isnull=True, next_attempt_at__lte=now).first()
    if task is None:
        return None
    attempt = task.attempts + 1
    claimed = FulfilmentTask.objects.filter(
        pk=task.pk, state=State.OPEN, attempts=task.attempts, next_attempt_at=task.next_attempt_at,
    ).update(attempts=attempt, next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(attempt)))
    if claimed != 1:
        return None  # another worker took this attempt
    task.attempts = attempt
    return task


def fulfilment_task_dispatch(*, task_id: int, now: dt.datetime | None = None) -> str:
    """Run one due connector attempt for a task; return what happened (for logs and tests).

    Outcomes: "skipped" (not due or taken), "completed", "accepted" (202: the result comes by callback),
    "retry" (failed, tried again later by the sweep), "failed" (out of attempts: the task fails and the case
    stays blocked).
    """
    now = now or timezone.now()
    waiting = FulfilmentTask.objects.filter(
        pk=task_id, state=State.OPEN, overridden_at__isnull=True, next_attempt_at__lte=now,
        awaiting_callback_since__isnull=False, attempts__gte=settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS).first()
    if waiting is not None:
        # The last attempt was accepted (202) and its callback never came: give up, the case stays blocked.
        try:
            fulfilment_task_resolve(task=waiting, state=State.FAILED, actor=None, label="system",
                                    reason=f"Accepted but no callback came after {waiting.attempts} attempts")
        except FulfilmentError:
            return "skipped"
        return "failed"
    task = _claim(task_id, now)
    if task is None:
        return "skipped"
    system = task.system
    try:
        if system.access_method == System.Access.WEBHOOK:
            response = connectors.webhook_post(url=system.webhook_url, secret=system.webhook_secret,
                                               request_id=task.request_id, payload=webhook_payload(task))
            if response.status == 202:
                # Wait for the callback; without one in time the sweep asks again (same request id), and
                # the attempts still count towards failing the task.
                wait = dt.timedelta(hours=settings.MEDPRIVACY_WEBHOOK_CALLBACK_TIMEOUT_HOURS)
                FulfilmentTask.objects.filter(pk=task.pk, state=State.OPEN).update(
                    next_attempt_at=now + wait, awaiting_callback_since=now, last_error="")
                _log(task, WebhookLog.Direction.OUTBOUND, WebhookLog.Outcome.ACCEPTED, status=202)
                return "accepted"
            if response.payload is None:
                raise connectors.WebhookError("200 without a JSON result", status=200)
            try:
                _apply_result(task=task, payload=response.payload, source="webhook")
            except ResultInvalid as exc:
                raise connectors.WebhookError(f"invalid result: {exc}"[:150], status=200) from None
            _log(task, WebhookLog.Direction.OUTBOUND, WebhookLog.Outcome.COMPLETED, status=200)
            return "completed"
        if system.access_method == System.Access.DJANGO_MODEL:
            payload = model_connector.run(task=task)
            _apply_result(task=task, payload=payload, source="django_model")
            return "completed"
        return "skipped"  # manual tasks are done by their owner
    except FulfilmentError:
        return "skipped"  # closed (by a callback or an officer) while this attempt ran
    except (connectors.WebhookError, connectors.WebhookURLNotAllowed, ConnectorError) as exc:
        status = getattr(exc, "status", None)
        _log(task, WebhookLog.Direction.OUTBOUND, WebhookLog.Outcome.ERROR, status=status, error=str(exc))
        return _after_failure(task, str(exc))


def _after_failure(task: FulfilmentTask, error: str) -> str:
    FulfilmentTask.objects.filter(pk=task.pk).update(last_error=error[:200])
    logger.warning("fulfilment task %s (system %s): attempt %s failed: %s", task.pk, task.system_id,
                   task.attempts, error[:100])
    if task.attempts < settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS:
        return "retry"
    fulfilment_task_resolve(task=task, state=State.FAILED, actor=None, label="system",
                            reason=f"No usable answer after {task.attempts} attempts (last: {error[:120]})")
    return "failed"


def fulfilment_retry_sweep(*, now: dt.datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Run every connector attempt that is due; return the count per outcome."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for task_id in fulfilment_selectors.tasks_due_for_dispatch(now=now, limit=limit):
        outcome = fulfilment_task_dispatch(task_id=task_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        logger.info("fulfilment retry sweep: %s", counts)
    return counts


def _log(task: FulfilmentTask | None, direction: str, outcome: str, *, status: int | None = None,
         error: str = "", signature: str = "") -> WebhookLog:
    return WebhookLog.objects.create(task=task, direction=direction, outcome=outcome, http_status=status,
                                     attempt=task.attempts if task else 0, error=error[:200],
                                     signature_sha256=connectors.signature_digest(signature) if signature else "")


# ---------------------------------------------------------------------------------------------------------
# Results (from a 200 answer, a callback, or the Django-model connector)
# ---------------------------------------------------------------------------------------------------------

_RESULT_STATES = {"done": State.DONE, "not_found": State.NOT_FOUND, "failed": State.FAILED}


@dataclass(frozen=True)
class _File:
    name: str
    content: bytes
    content_type: str


def _validate_result(payload: Any) -> tuple[str, Any, list[_File], str]:
    if not isinstance(payload, dict):
        raise ResultInvalid("the result must be a JSON object")
    status = payload.get("status")
    if status not in _RESULT_STATES:
        raise ResultInvalid('"status" must be one of done, not_found, failed')
    data = payload.get("data", {})
    if not isinstance(data, dict | list):
        raise ResultInvalid('"data" must be an object or a list')
    message = payload.get("message", "")
    if not isinstance(message, str) or len(message) > _MAX_MESSAGE:
        raise ResultInvalid(f'"message" must be a string of at most {_MAX_MESSAGE} characters')
    raw_files = payload.get("files", [])
    if not isinstance(raw_files, list) or len(raw_files) > _MAX_FILES:
        raise ResultInvalid(f'"files" must be a list of at most {_MAX_FILES} files')
    files = []
    for item in raw_files:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                or not isinstance(item.get("content_base64"), str):
            raise ResultInvalid('each file needs "name" and "content_base64"')
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ResultInvalid(f'file {item["name"][:40]!r} is not valid base64') from None
        files.append(_File(item["name"], content, str(item.get("content_type", ""))))
    if status == "failed" and not message.strip():
        message = "The system reported a failure without a message."
    return status, data, files, message


def _apply_result(*, task: FulfilmentTask, payload: Any, source: str) -> FulfilmentTask:
    """Validate a result and close the task with it (atomic: no half-written task)."""
    status, data, files, message = _validate_result(payload)
    with transaction.atomic():
        resolved = fulfilment_task_resolve(
            task=task, state=_RESULT_STATES[status], actor=None, label="system",
            reason=message.strip() if status == "failed" else "",
            result={"source": source, "data": data, "message": message.strip(), "received_at":
                    timezone.now().isoformat()},
        )
        for item in files:
            fulfilment_task_attach_evidence(task=resolved, name=item.name, content=item.content,
                                            content_type=item.content_type, source=source)
    return resolved


@dataclass(frozen=True)
class CallbackAnswer:
    status: int
    message: str


def fulfilment_callback_receive(*, request_id: str, timestamp: str | None, signature: str | None,
                                body: bytes) -> CallbackAnswer:
    """Check a system's signed callback and apply its result to the open task it names.

    Answers 404 for an unknown request id, 401 for a missing, bad, stale or replayed signature, 409 when the
    task is no longer open, 400 for a body that does not follow the protocol, 200 when the result is applied.
    Every refusal is logged with ids only.
    """
    task = fulfilment_selectors.task_get_by_request_id(request_id)
    if task is None:
        _log(None, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.UNKNOWN_REQUEST, status=404)
        logger.warning("fulfilment callback for an unknown request id refused")
        return CallbackAnswer(404, "No task has this request id.")
    try:
        connectors.verify(secret=task.system.webhook_secret, timestamp=timestamp, signature=signature, body=body,
                          request_id=task.request_id)
    except connectors.SignatureError as exc:
        outcome = WebhookLog.Outcome.STALE if exc.stale else WebhookLog.Outcome.BAD_SIGNATURE
        _log(task, WebhookLog.Direction.CALLBACK, outcome, status=401, error=str(exc))
        logger.warning("fulfilment callback for task %s refused: %s", task.pk, outcome)
        return CallbackAnswer(401, str(exc))
    assert signature is not None  # verify() refuses a missing signature
    digest = connectors.signature_digest(signature)
    if WebhookLog.objects.filter(signature_sha256=digest, direction=WebhookLog.Direction.CALLBACK,
                                 outcome=WebhookLog.Outcome.COMPLETED).exists():
        return _refuse_replay(task)
    if task.state != State.OPEN or task.overridden_at is not None:
        _log(task, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.CLOSED, status=409)
        return CallbackAnswer(409, f"The task is no longer open (it is {task.get_state_display().lower()}).")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        _log(task, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.INVALID, status=400)
        return CallbackAnswer(400, "The body is not JSON.")
    try:
        with transaction.atomic():
            # The unique row is written first, so two deliveries of one callback cannot both apply.
            _log(task, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.COMPLETED, status=200, signature=signature)
            _apply_result(task=task, payload=payload, source="webhook")
    except IntegrityError:
        return _refuse_replay(task)
    except ResultInvalid as exc:
        _log(task, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.INVALID, status=400, error=str(exc))
        return CallbackAnswer(400, f"Invalid result: {exc}.")
    except FulfilmentError as exc:  # closed between the check and the lock
        _log(task, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.CLOSED, status=409)
        return CallbackAnswer(409, str(exc))
    return CallbackAnswer(200, "Result recorded.")


def _refuse_replay(task: FulfilmentTask) -> CallbackAnswer:
    _log(task, WebhookLog.Direction.CALLBACK, WebhookLog.Outcome.REPLAY, status=401)
    logger.warning("fulfilment callback for task %s refused: replay", task.pk)
    return CallbackAnswer(401, "This callback was already used (replay).")


# ---------------------------------------------------------------------------------------------------------
# Erasure summary for the completion message
# ---------------------------------------------------------------------------------------------------------


def fulfilment_erasure_summary(dsr) -> dict[str, Any]:
    """Say what an erasure did in each system and what was kept under which exception.

    Returns {"done": [...], "not_found": [...], "kept": [...], "notified": [...], "text": "..."} where each item
    has "system" and "what"; "kept" items also have "exception" (label) and "reason". `text` is ready for the
    requester's completion message.
    """
    done, not_found, kept, notified, unfinished = [], [], [], [], []
    for task in fulfilment_selectors.fulfilment_tasks_for_case(dsr):
        item = {"system": task.system.name, "what": ACTIONS[task.action]}
        if task.state in (State.DONE, State.NOT_FOUND) and task.action == "delete":
            # What a system deleted around is kept under the exception the rules table names.
            for code in task.system.categories:
                if code in RETAINED_ON_ERASURE:
                    kept.append({"system": task.system.name, "what": CATEGORIES[code].label, "record": True,
                                 "exception": ERASURE_EXCEPTIONS[RETAINED_ON_ERASURE[code][0]],
                                 "reason": retained_reason(code, dsr.regime)})
            held = (task.result.get("data") or {}).get("held_rows") if isinstance(task.result, dict) else None
            if held:
                kept.append({"system": task.system.name, "what": f"{held} record(s)",
                             "exception": ERASURE_EXCEPTIONS["legal_hold"],
                             "reason": "A legal hold covers them; they will be deleted when it ends."})
        if task.state == State.DONE:
            (notified if task.action == "notify" else done).append(item)
        elif task.state == State.NOT_FOUND:
            not_found.append(item)
        elif task.state == State.NOT_APPLICABLE and task.exception:
            kept.append({**item, "what": "all of it", "exception": ERASURE_EXCEPTIONS[task.exception],
                         "reason": task.state_reason})
        elif task.state in (State.OPEN, State.FAILED):
            unfinished.append(item)
    lines = []
    if done:
        lines.append("We deleted or de-identified your information in: "
                     + ", ".join(i["system"] for i in done) + ".")
    if notified:
        lines.append("We told these recipients to delete it too: " + ", ".join(i["system"] for i in notified) + ".")
    if not_found:
        lines.append("We found nothing about you in: " + ", ".join(i["system"] for i in not_found) + ".")
    for item in kept:
        lines.append(f"{item['exception']} — {item['system']} ({item['what']}): {item['reason']}")
    if unfinished:
        lines.append("Still in progress: " + ", ".join(i["system"] for i in unfinished) + ".")
    lines.append("We keep a record of your request and of our answer, as the law requires.")
    return {"done": done, "not_found": not_found, "kept": kept, "notified": notified,
            "unfinished": unfinished, "text": "\n".join(lines)}


# ---------------------------------------------------------------------------------------------------------
# Erasure: keep each system's confirmation, not a copy of the data
# ---------------------------------------------------------------------------------------------------------


def _confirmation(task: FulfilmentTask) -> dict[str, Any]:
    """Return what a task's result keeps after an erasure: who answered, when, the outcome and counts only."""
    result = task.result if isinstance(task.result, dict) else {}
    data = result.get("data")
    kept: dict[str, Any] = {"source": result.get("source", ""), "received_at": result.get("received_at", ""),
                            "state": task.state, "minimised": True}
    if result.get("source") == "django_model" and task.action == "delete" and isinstance(data, dict):
        # The Django-model connector's delete answer is counts by construction (no personal data).
        kept["counts"] = {k: v for k, v in data.items() if k in ("counts", "kept_categories", "held_rows")}
    elif isinstance(data, dict | list):
        kept["records_reported"] = len(data)
    return kept


def fulfilment_minimise(*, case_ids: list[int]) -> dict[str, int]:
    """Minimise the fulfilment records of these cases for an erasure: results become confirmations, notes
    are blanked (rows and history), evidence files and access packages are deleted."""
    tasks = FulfilmentTask.objects.filter(case_id__in=case_ids)
    minimised = 0
    for task in tasks.exclude(result={}).only("pk", "result", "action", "state"):
        FulfilmentTask.objects.filter(pk=task.pk).update(result=_confirmation(task))
        minimised += 1
    tasks.exclude(notes="").update(notes="")
    FulfilmentTask.history.filter(id__in=list(tasks.values_list("pk", flat=True))).exclude(notes="").update(notes="")
    evidence = TaskEvidence.objects.filter(task__case_id__in=case_ids)
    files = 0
    for item in evidence:
        item.file.storage.delete(item.file.name)
        files += 1
    evidence.delete()
    packages = 0
    for package in AccessPackage.objects.filter(case_id__in=case_ids).exclude(file=""):
        package.file.storage.delete(package.file.name)
        AccessPackage.objects.filter(pk=package.pk).update(file="", deleted_at=package.deleted_at or clock.now())
        packages += 1
    return {"task_results": minimised, "evidence_files": files, "access_packages": packages}


# Re-exported so callers need one import for the completion gate.
fulfilment_blocking_tasks = fulfilment_selectors.fulfilment_blocking_tasks

__all__ = [
    "FulfilmentBlocked",
    "FulfilmentError",
    "ResultInvalid",
    "EvidenceFile",
    "TaskOutcome",
    "TaskOutcomesRefused",
    "fulfilment_assert_can_complete",
    "fulfilment_blocking_tasks",
    "fulfilment_callback_receive",
    "fulfilment_create_tasks",
    "fulfilment_erasure_summary",
    "fulfilment_minimise",
    "fulfilment_retry_sweep",
    "fulfilment_task_attach_evidence",
    "fulfilment_task_dispatch",
    "fulfilment_task_resolve",
    "fulfilment_task_retry",
    "fulfilment_tasks_record",
]


# ---------------------------------------------------------------------------------------------------------
# Data map
# ---------------------------------------------------------------------------------------------------------


def system_problems(*, access_method: str, webhook_url: str, webhook_secret: str,
                    model_labels: list[str]) -> list[str]:
    """Return what is wrong with a system's connector settings (empty when it can be saved)."""
    problems = []
    if access_method == System.Access.WEBHOOK:
        if not webhook_url:
            problems.append("A webhook system needs a URL.")
        else:
            try:
                connectors.check_webhook_url(webhook_url)
            except connectors.WebhookURLNotAllowed as exc:
                problems.append(str(exc))
        if len(webhook_secret) < 32:
            problems.append("A webhook system needs a secret of at least 32 characters.")
    if access_method == System.Access.DJANGO_MODEL and not model_labels:
        problems.append("A Django-model system needs at least one retention target or model label.")
    return problems


def system_save(*, system: System, actor: Actor, reason: str = "Changed in the admin") -> System:
    """Save a data-map entry after checking its connector settings; record who changed it and why."""
    problems = system_problems(access_method=system.access_method, webhook_url=system.webhook_url,
                               webhook_secret=system.webhook_secret, model_labels=system.model_labels)
    if problems:
        raise FulfilmentError(" ".join(problems))
    system._history_user = actor
    system._change_reason = reason
    system.full_clean()
    system.save()
    return system
