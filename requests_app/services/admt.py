"""The answer to a request to access information about automated decision-making (11 CCR §7222).

The response is assembled from the AI register and the person's own outputs (`admt.services`), put in the
case's conversation (read on the status page, like any message from the officer) and the case completed.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from admt.services import AdmtError, admt_access_response_build
from requests_app.models import Case
from requests_app.services import compliance, workbench
from requests_app.services.workbench import WorkbenchError


def case_admt_access_respond(*, dsr: Case, actor, withheld: Mapping[int, tuple[str, str]] | None = None) -> Case:
    """Assemble the ADMT access response, send it to the status page's conversation, and complete the case.

    Refused (nothing sent) before the identity is verified at the level the rules ask for, or while a task
    fetching the person's outputs is still open.
    """
    workbench._require_change(actor, dsr)
    if dsr.right != "admt_access":
        raise WorkbenchError(f"{dsr.reference} is not a request to access information about automated decisions")
    assessment = compliance.case_verification_assessment(dsr=dsr)
    if not assessment.met:
        raise WorkbenchError(f"The response cannot be sent yet: {assessment.problem}")
    with transaction.atomic():
        try:
            response = admt_access_response_build(dsr=dsr, actor=actor, withheld=withheld)
        except AdmtError as exc:
            raise WorkbenchError(str(exc)) from None
        workbench._thread_send(dsr, actor=actor, template_key="admt_access_response",
                               context={"body": response.body})
        return workbench.case_complete(
            dsr=dsr, actor=actor, outcome_summary=f"ADMT access response #{response.pk} sent",
            response="The information about how we use automated decision-making about you is in the "
                     "conversation on your status page.",
            outcome="complied_in_part" if response.withheld else "complied")
