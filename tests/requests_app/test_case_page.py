"""The case page is the place to work: tasks inline and resolved together with evidence, the next allowed steps,
the package step only when the workflow allows it, the reply form; and nobody reaches what is not theirs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fulfilment import packages
from fulfilment import services as fulfilment
from fulfilment.models import AccessPackage, FulfilmentTask, System, TaskEvidence
from medprivacy import roles
from outbox.models import ThreadMessage
from requests_app.services import workbench
from requests_app.workflow import Status
from tests.factories import officer, supervisor
from tests.fulfilment import helpers as fulfilment_helpers
from tests.fulfilment.helpers import task_of, verified_case

pytestmark = pytest.mark.django_db
private_storage = fulfilment_helpers.private_storage  # fixture

T0 = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
SYSTEMS = ("Billing archive", "Call recordings", "Paper files")


@pytest.fixture(autouse=True)
def _frozen(settings, private_storage):
    roles.ensure_roles()
    fulfilment_helpers.only_systems()
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia"), "oscar": officer("oscar")}


def _case_for(people, *, right: str = "erasure", owner=None):
    for name in SYSTEMS:
        System.objects.get_or_create(name=name, defaults={"categories": ["contact_identification"],
                                                          "owner_user": owner})
    dsr = verified_case(right=right)
    fulfilment.fulfilment_create_tasks(dsr=dsr)
    return workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])


def page_url(dsr) -> str:
    return reverse("admin:requests_app_case_change", args=[dsr.pk])


def tasks_url(dsr) -> str:
    return reverse("admin:requests_app_case_tasks", args=[dsr.pk])


def _field(task, name: str) -> str:
    return f"task-{task.pk}-{name}"


def test_the_case_page_lists_its_tasks_with_a_form_for_each_open_one(client, people):
    dsr = _case_for(people)
    client.force_login(people["olivia"])
    response = client.get(page_url(dsr))
    assert response.status_code == 200
    rows = response.context["task_rows"]
    assert [(task.system.name, task.action, task.state) for task, _ in rows] == [
        (name, "delete", "open") for name in SYSTEMS]
    assert all(form is not None for _, form in rows)
    html = response.content.decode()
    assert f'action="{tasks_url(dsr)}"' in html and 'enctype="multipart/form-data" id="mp-task-form"' in html
    assert 'aria-label="Outcome — Paper files"' in html


def test_several_tasks_resolved_in_one_post_with_evidence(client, people):
    dsr = _case_for(people)
    billing, calls, paper = (task_of(dsr, name) for name in SYSTEMS)
    client.force_login(people["olivia"])
    response = client.post(tasks_url(dsr), {
        _field(billing, "outcome"): "done", _field(billing, "evidence"): SimpleUploadedFile(
            "billing-deleted.pdf", b"%PDF-1.4 billing", content_type="application/pdf"),
        _field(calls, "outcome"): "not_found",
        _field(paper, "outcome"): "",  # left open
    })
    assert response.status_code == 302 and response["Location"] == page_url(dsr) + "#mp-tasks"
    assert {t.system.name: t.state for t in FulfilmentTask.objects.filter(case=dsr)} == {
        "Billing archive": "done", "Call recordings": "not_found", "Paper files": "open"}
    evidence = TaskEvidence.objects.get()
    assert (evidence.task_id, evidence.name, evidence.uploaded_by) == (billing.pk, "billing-deleted.pdf",
                                                                      people["olivia"])
    page = client.get(page_url(dsr))
    assert [str(m) for m in page.context["messages"]] == [f"{dsr.reference}: 2 task(s) recorded."]
    download = reverse("admin:requests_app_case_task_evidence", args=[dsr.pk, evidence.pk])
    assert download in page.content.decode()
    served = client.get(download)
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"%PDF-1.4 billing"


def test_a_refused_task_shows_its_error_on_the_page_and_nothing_is_written(client, people):
    dsr = _case_for(people)
    billing, calls, _ = (task_of(dsr, name) for name in SYSTEMS)
    client.force_login(people["olivia"])
    response = client.post(tasks_url(dsr), {
        _field(billing, "outcome"): "done", _field(billing, "evidence"): SimpleUploadedFile("b.pdf", b"%PDF b"),
        _field(calls, "outcome"): "not_applicable",  # needs a reason
    })
    assert response.status_code == 400
    forms = {task.pk: form for task, form in response.context["task_rows"]}
    assert forms[calls.pk].non_field_errors() == ["A task marked not applicable needs a reason."]
    assert not forms[billing.pk].errors
    html = response.content.decode()
    assert "A task marked not applicable needs a reason." in html and 'class="mp-task-error"' in html
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was recorded: correct the tasks marked below."]
    assert set(FulfilmentTask.objects.filter(case=dsr).values_list("state", flat=True)) == {"open"}
    assert not TaskEvidence.objects.exists()

    nothing = client.post(tasks_url(dsr), {_field(billing, "outcome"): ""})
    assert nothing.status_code == 400
    assert [str(m) for m in nothing.context["messages"]] == [
        "Choose an outcome or attach evidence for at least one task."]


def test_a_failed_connector_task_is_retried_from_the_case_page(client, people, settings):
    settings.MEDPRIVACY_WEBHOOK_MAX_ATTEMPTS = 1
    fulfilment_helpers.webhook_system("Ticketing", fulfilment_helpers.closed_port_url(), fulfilment_helpers.SECRET_A)
    dsr = _case_for(people)
    assert fulfilment.fulfilment_retry_sweep() == {"failed": 1}
    ticketing = task_of(dsr, "Ticketing")
    client.force_login(people["olivia"])
    form = dict(client.get(page_url(dsr)).context["task_rows"])[ticketing]
    assert ("retry", "Send again (retry)") in form.fields["outcome"].choices
    response = client.post(tasks_url(dsr), {_field(ticketing, "outcome"): "retry",
                                            _field(ticketing, "reason"): "Ticketing is back"})
    assert response.status_code == 302
    ticketing.refresh_from_db()
    assert (ticketing.state, ticketing.attempts, ticketing.next_attempt_at) == ("open", 0, T0)


# --- who reaches what --------------------------------------------------------------------------------------


def test_an_officer_without_the_case_reaches_neither_its_tasks_nor_its_evidence(client, people):
    dsr = _case_for(people)
    billing = task_of(dsr, "Billing archive")
    fulfilment.fulfilment_task_attach_evidence(task=billing, name="proof.pdf", content=b"%PDF", actor=None)
    evidence = billing.evidence.get()
    client.force_login(people["oscar"])
    assert client.get(page_url(dsr)).status_code == 404
    assert client.post(tasks_url(dsr), {_field(billing, "outcome"): "done"}).status_code == 404
    assert client.get(reverse("admin:requests_app_case_task_evidence", args=[dsr.pk, evidence.pk])).status_code == 404
    package = reverse("admin:requests_app_case_package", args=[dsr.pk])
    assert client.post(package).status_code == 404
    billing.refresh_from_db()
    assert billing.state == "open"


def test_a_view_only_share_sees_the_tasks_but_cannot_resolve_them(client, people):
    dsr = _case_for(people)
    workbench.case_share(dsr=dsr, actor=people["olivia"], user=people["oscar"])
    billing = task_of(dsr, "Billing archive")
    client.force_login(people["oscar"])
    response = client.get(page_url(dsr))
    assert response.status_code == 200
    assert [form for _, form in response.context["task_rows"]] == [None, None, None]
    assert 'id="mp-task-form"' not in response.content.decode()
    assert not response.context["next_steps"] and response.context["reply_form"] is None
    assert client.post(tasks_url(dsr), {_field(billing, "outcome"): "done"}).status_code == 403
    billing.refresh_from_db()
    assert billing.state == "open"


def test_a_task_owner_on_someone_elses_case_sees_only_their_own_task(client, people):
    owner = officer("tom")  # owns the systems, works no case
    dsr = _case_for(people, owner=owner)
    System.objects.filter(name="Paper files").update(owner_user=None)
    FulfilmentTask.objects.filter(case=dsr, system__name="Paper files").update(owner=None)
    mine = task_of(dsr, "Billing archive")
    fulfilment.fulfilment_task_attach_evidence(task=task_of(dsr, "Paper files"), name="other.pdf", content=b"%PDF",
                                               actor=None)
    others_evidence = TaskEvidence.objects.get()
    client.force_login(owner)

    assert client.get(page_url(dsr)).status_code == 404
    assert client.post(tasks_url(dsr), {_field(mine, "outcome"): "done"}).status_code == 404
    assert client.get(reverse("admin:requests_app_case_task_evidence",
                              args=[dsr.pk, others_evidence.pk])).status_code == 404
    listed = client.get(reverse("admin:fulfilment_fulfilmenttask_changelist")).context["cl"].result_list
    assert {t.system.name for t in listed} == {"Billing archive", "Call recordings"}  # the tasks they own
    assert client.get(reverse("admin:fulfilment_fulfilmenttask_change",
                              args=[task_of(dsr, "Paper files").pk])).status_code in (302, 404)
    assert client.get(reverse("admin:fulfilment_fulfilmenttask_evidence",
                              args=[task_of(dsr, "Paper files").pk, others_evidence.pk])).status_code == 404


# --- next steps and the package step ----------------------------------------------------------------------


def _steps(response) -> list[str]:
    return [action.name for action, _ in response.context["next_steps"]]


def test_only_the_next_steps_the_workflow_and_the_officer_allow_are_offered(client, people):
    dsr = _case_for(people)
    client.force_login(people["olivia"])
    assert _steps(client.get(page_url(dsr))) == ["start", "request_info", "complete", "deny", "withdraw"]
    workbench.case_start_work(dsr=dsr, actor=people["olivia"])
    response = client.get(page_url(dsr))
    assert _steps(response) == ["request_info", "complete", "deny", "withdraw"]
    assert 'data-action="complete"' in response.content.decode()
    assert "assign" not in [a.name for a, _ in response.context["tools"]]  # supervisors only
    workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="clarification", question="Which account?",
                                pause=False)
    assert _steps(client.get(page_url(dsr))) == ["verify", "start", "resume", "deny", "withdraw"]
    client.force_login(people["boss"])
    assert "assign" in [a.name for a, _ in client.get(page_url(dsr)).context["tools"]]


def test_the_package_step_waits_for_the_workflow_and_the_service_refuses_too(client, people):
    dsr = _case_for(people, right="access")
    olivia = people["olivia"]
    client.force_login(olivia)
    response = client.get(page_url(dsr))
    assert response.context["package_url"] is None
    assert response.context["package_why_not"] == "3 fulfilment task(s) are not finished yet."
    for task in FulfilmentTask.objects.filter(case=dsr):
        fulfilment.fulfilment_task_resolve(task=task, state="not_found", actor=olivia)

    workbench.case_request_info(dsr=dsr, actor=olivia, kind="clarification", question="Which account?", pause=False)
    response = client.get(page_url(dsr))
    waiting = "The case is waiting for the requester: send their data once they have answered."
    assert response.context["package_url"] is None and response.context["package_why_not"] == waiting
    assert 'id="mp-package-form"' not in response.content.decode()
    refused = client.post(reverse("admin:requests_app_case_package", args=[dsr.pk]))
    assert refused.status_code == 400 and f"{dsr.reference}: {waiting}" in refused.content.decode()
    with pytest.raises(fulfilment.FulfilmentError, match="waiting for the requester"):
        packages.access_package_build(dsr=dsr, actor=olivia)
    assert not AccessPackage.objects.exists()

    workbench.case_resume(dsr=dsr, actor=olivia)
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_PROGRESS  # resumed: back to work
    response = client.get(page_url(dsr))
    assert response.context["package_url"] == reverse("admin:requests_app_case_package", args=[dsr.pk])
    assert 'id="mp-package-form"' in response.content.decode()
    sent = client.post(response.context["package_url"])
    assert sent.status_code == 302
    assert AccessPackage.objects.get(case=dsr).created_by == olivia


def test_the_requester_is_answered_from_the_case_page(client, people):
    dsr = _case_for(people)
    client.force_login(people["olivia"])
    response = client.get(page_url(dsr))
    assert response.context["reply_url"] == reverse("admin:requests_app_case_message", args=[dsr.pk])
    sent = client.post(response.context["reply_url"], {"template_key": "thread_message",
                                                       "text": "We are deleting your data in 3 systems."})
    assert sent.status_code == 302 and sent["Location"] == page_url(dsr)
    entry = ThreadMessage.objects.get(case=dsr)
    assert "We are deleting your data in 3 systems." in entry.body and entry.author == people["olivia"]


def test_an_oversized_evidence_file_is_refused_before_it_is_read(client, people, monkeypatch):
    monkeypatch.setattr(fulfilment, "MAX_EVIDENCE_BYTES", 5)
    dsr = _case_for(people)
    billing = task_of(dsr, "Billing archive")
    client.force_login(people["olivia"])
    response = client.post(tasks_url(dsr), {_field(billing, "outcome"): "done",
                                            _field(billing, "evidence"): SimpleUploadedFile("big.pdf", b"%PDF-1.4")})
    assert response.status_code == 400
    form = dict(response.context["task_rows"])[billing]
    assert form.errors == {"evidence": ["Evidence files are limited to 0 MB."]}
    billing.refresh_from_db()
    assert billing.state == "open" and not TaskEvidence.objects.exists()
