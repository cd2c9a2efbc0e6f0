"""The daily audit checkpoint (thin: one service, recorded as a job run)."""

from __future__ import annotations

from celery import shared_task

from audit.services import audit_checkpoint_record
from medprivacy.jobs import job_run


@shared_task(name="audit.checkpoint", ignore_result=True)
def audit_checkpoint() -> None:
    """Verify the chain and record (and e-mail) its head."""
    with job_run("audit.checkpoint") as run:
        checkpoint = audit_checkpoint_record()
        run.handled(checkpoint.sequence)
        if not checkpoint.verified:
            run.error("AuditChainBroken")
