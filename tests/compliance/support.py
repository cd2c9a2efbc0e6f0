"""Shared pieces of the issue-15 tests: people, a frozen clock, filing through the real intake."""

from __future__ import annotations

import datetime as dt

from fulfilment.services import fulfilment_task_resolve
from requests_app.models import Case
from requests_app.services import compliance, intake, workbench
from tests.factories import officer, supervisor
from tests.requests_app.intake_support import service_kwargs

# Cases are received 2026-03-05 15:00 UTC (07:00 in California); officers act five days later.
RECEIVED = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def people() -> dict:
    return {"boss": supervisor("boss"), "olivia": officer("olivia"), "oscar": officer("oscar")}


def file(rights: list[str], **overrides) -> list[Case]:
    """File a request through the public intake service (a Californian unless overridden)."""
    return list(intake.submission_create(**service_kwargs(rights=rights, **overrides)).cases)


def confirm_email(dsr: Case) -> Case:
    raw, _token = intake.verification_token_issue(submission=dsr.submission)
    intake.verification_consume(token=raw)
    dsr.refresh_from_db()
    return dsr


def assign(dsr: Case, crew: dict, to: str = "olivia") -> Case:
    return workbench.case_assign(dsr=dsr, assignee=crew[to], actor=crew["boss"])


def sign_declaration(dsr: Case, actor) -> None:
    raw, _row = compliance.confirmation_request(dsr=dsr, kind="declaration", actor=actor)
    compliance.confirmation_answer(token=raw, confirmed=True, signed_name="Ann Example")


def resolve_tasks(dsr: Case, actor) -> None:
    for task in dsr.fulfilment_tasks.filter(state="open"):
        fulfilment_task_resolve(task=task, state="not_found", actor=actor, reason="no rows")
