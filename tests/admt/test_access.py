"""An ADMT access request: verified like a request to know, the response assembled from the register and the
person's own outputs, withheld details with their reason, delivered on the status page; erasure removes it."""

import pytest
import time_machine

from admt.models import AdmtAccessResponse, ClinicInstruction
from fulfilment.models import FulfilmentTask
from fulfilment.services import fulfilment_task_resolve
from medprivacy import access
from outbox.models import ThreadMessage
from requests_app.services import intake, workbench
from requests_app.services.admt import case_admt_access_respond
from requests_app.services.workbench import WorkbenchError
from tests.admt.helpers import NOW, automated_system, clinic
from tests.compliance.support import assign, confirm_email, people, sign_declaration
from tests.requests_app.intake_support import service_kwargs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _file(rights=("admt_access",), **overrides):
    return list(intake.submission_create(**service_kwargs(rights=list(rights), **overrides)).cases)


def _verified(crew, **overrides):
    (dsr,) = _file(**overrides)
    assert dsr.status == "awaiting_verification" and dsr.acknowledge_by.isoformat() == "2026-12-15"
    dsr = assign(confirm_email(dsr), crew)
    sign_declaration(dsr, crew["olivia"])
    return workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="signed_declaration")


def test_the_response_is_assembled_from_the_register_and_the_persons_outputs():
    crew = people()
    automated_system(future_uses="Ultrasound triage from 2028.")
    dsr = _verified(crew)
    task = FulfilmentTask.objects.get(case=dsr)
    assert task.action == "export_admt"
    with pytest.raises(WorkbenchError, match="Finish fetching the person's outputs first"):
        case_admt_access_respond(dsr=dsr, actor=crew["olivia"])
    fulfilment_task_resolve(task=task, state="done", actor=crew["olivia"],
                            result={"data": [{"study": "CT-2026-11", "score": 87}]})
    case_admt_access_respond(dsr=dsr, actor=crew["olivia"])
    dsr.refresh_from_db()
    assert (dsr.status, dsr.outcome) == ("completed", "complied")
    body = AdmtAccessResponse.objects.get(case=dsr).body
    for expected in ("Specific purpose: Imaging triage: ranks imaging studies", "How it works: A gradient-boosted",
                     "How the output was used: Studies above 80 are read first.",
                     "The human role: A radiologist sees the score.",
                     "Planned future uses: Ultrasound triage from 2028.", "- score: 87, study: CT-2026-11",
                     "We will not retaliate against you",
                     "privacy policy, section 7 (Your Privacy Choices and Rights): http"):
        assert expected in body, body
    # On the status page: the conversation holds the response exactly as e-mailed.
    entry = ThreadMessage.objects.get(case=dsr, template_key="admt_access_response")
    assert "- score: 87, study: CT-2026-11" in entry.body and entry.direction == "to_requester"


def test_trade_secret_details_are_withheld_with_the_reason_recorded():
    crew = people()
    automated_system(withheld_ground="trade_secret", withheld_reason="The model's weights and features are a trade "
                                                                     "secret of the vendor.")
    dsr = _verified(crew)
    fulfilment_task_resolve(task=FulfilmentTask.objects.get(case=dsr), state="not_found", actor=crew["olivia"])
    case_admt_access_respond(dsr=dsr, actor=crew["olivia"])
    response = AdmtAccessResponse.objects.get(case=dsr)
    assert "gradient-boosted" not in response.body
    assert ("How it works: withheld — A trade secret (§7222(c)): The model's weights and features are a trade "
            "secret of the vendor.") in response.body
    assert "Outputs about you: we found none." in response.body
    assert response.withheld == [{"system": "Imaging triage", "ground": "trade_secret",
                                  "reason": "The model's weights and features are a trade secret of the vendor."}]
    dsr.refresh_from_db()
    assert dsr.outcome == "complied_in_part"


def test_no_response_before_the_identity_is_verified_to_a_reasonably_high_degree():
    crew = people()
    automated_system()
    (dsr,) = _file()
    dsr = assign(confirm_email(dsr), crew)
    with pytest.raises(WorkbenchError, match="The response cannot be sent yet"):
        case_admt_access_respond(dsr=dsr, actor=crew["olivia"])
    assert not AdmtAccessResponse.objects.exists()
    assert not FulfilmentTask.objects.filter(case=dsr).exists()  # nothing fetched before verification


def test_an_officer_not_on_the_case_cannot_respond_or_see_its_admt_records():
    crew = people()
    automated_system(name="Clinic triage", company_role="service_provider", clinic=clinic())
    (opt_out,) = _file(rights=("admt_opt_out",))
    assign(opt_out, crew, to="olivia")
    assert access.scope_to_cases(ClinicInstruction.objects.all(), user=crew["oscar"]).count() == 0
    assert access.scope_to_cases(ClinicInstruction.objects.all(), user=crew["olivia"]).count() == 1
    automated_system()
    dsr = _verified(crew, email="bo@example.com")
    with pytest.raises(Exception, match="may not work on case"):
        case_admt_access_respond(dsr=dsr, actor=crew["oscar"])


def test_erasure_removes_the_persons_admt_outputs_everywhere(settings):
    crew = people()
    automated_system()
    dsr = _verified(crew)
    fulfilment_task_resolve(task=FulfilmentTask.objects.get(case=dsr), state="done", actor=crew["olivia"],
                            result={"data": [{"study": "CT-2026-11", "score": 87}]})
    case_admt_access_respond(dsr=dsr, actor=crew["olivia"])
    (erasure,) = _file(rights=("erasure",))
    erasure = assign(confirm_email(erasure), crew)
    workbench.case_verify_identity(dsr=erasure, actor=crew["olivia"], method="data_points")
    for task in erasure.fulfilment_tasks.filter(state="open"):
        fulfilment_task_resolve(task=task, state="done", actor=crew["olivia"])
    workbench.case_complete(dsr=erasure, actor=crew["olivia"], outcome_summary="Erased", response="Deleted.")
    assert "CT-2026-11" not in AdmtAccessResponse.objects.get(case=dsr).body
    assert not ThreadMessage.objects.filter(body__contains="CT-2026-11").exists()
    assert "CT-2026-11" not in str(FulfilmentTask.objects.get(case=dsr).result)
    assert not FulfilmentTask.history.filter(case_id=dsr.pk, notes__contains="CT-2026-11").exists()


def test_the_officer_sends_the_response_from_the_case_list(client):
    from django.urls import reverse

    from medprivacy import roles

    roles.ensure_roles()
    crew = people()
    automated_system()
    dsr = _verified(crew)
    fulfilment_task_resolve(task=FulfilmentTask.objects.get(case=dsr), state="not_found", actor=crew["olivia"])
    client.force_login(crew["olivia"])
    response = client.post(reverse("admin:requests_app_case_changelist"),
                           {"action": "admt_access_respond_selected", "_selected_action": [dsr.pk]})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == "completed" and AdmtAccessResponse.objects.filter(case=dsr).count() == 1
