"""In a real browser: a Californian opens a pre-use notice, follows its opt-out link and files the opt-out; the
tasks appear with their 15-business-day limit and the confirmation is sent. Another asks how the system was used
about them and, once an officer has verified them, reads the generated response on the status page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fulfilment.models import FulfilmentTask
from fulfilment.services import fulfilment_task_resolve
from medprivacy import roles
from outbox.models import Message
from regimes.deadlines import compute_deadlines
from requests_app.models import Case
from requests_app.services import workbench
from requests_app.services.admt import case_admt_access_respond
from subjects import links
from tests.admt.helpers import automated_system, data_map_system, published_notice
from tests.compliance.support import confirm_email, sign_declaration
from tests.factories import officer, supervisor
from tests.screenshots import horizontal_overflow, save_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file_through_the_form(page, *, name: str, email: str) -> None:
    page.get_by_label("Full name").fill(name)
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Website visitor", exact=True).check()
    page.get_by_label("I confirm that the information in this request is true").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_selector("text=Keep these references")


def test_opt_out_through_a_notice_and_access_answered_on_the_status_page(django_db_setup, live_server, page,
                                                                       settings):
    settings.SITE_URL = live_server.url
    roles.ensure_roles()
    boss, olivia = supervisor("boss"), officer("olivia")
    partner = data_map_system("Radiology partner", role="service_provider")
    entry = automated_system(recipients=(partner,))
    published_notice(entry, actor=boss)

    # --- a Californian reads the notice and opts out through its link ---
    page.goto(f"{live_server.url}/automated-decisions/")
    page.get_by_role("link", name="Notice about automated decision-making: Imaging triage").click()
    expect(page.get_by_role("heading", name="Notice about automated decision-making: Imaging triage")).to_be_visible()
    expect(page.get_by_text("What we use it for: Imaging triage: ranks imaging studies")).to_be_visible()
    assert not horizontal_overflow(page)
    save_screenshots(page, "admt-pre-use-notice")
    page.get_by_role("link", name="Opt out of automated decision-making by Imaging triage").click()
    assert page.get_by_label("Opt out of automated decision-making about me (ADMT)").is_checked()
    assert page.get_by_label("Which automated system? (optional)").input_value() == str(entry.pk)
    _file_through_the_form(page, name="Ann Example", email="ann@example.com")

    dsr = Case.objects.get(subject__email="ann@example.com")
    limit = compute_deadlines(regime="ccpa", right="admt_opt_out", received_on=dsr.receipt_date).respond_by
    assert (dsr.right, dsr.status, dsr.due_on) == ("admt_opt_out", "verified", limit)
    expect(page.get_by_role("cell", name=limit.strftime("%-d %B %Y"))).to_be_visible()
    tasks = list(FulfilmentTask.objects.filter(case=dsr).select_related("system").order_by("action"))
    assert [(t.system.name, t.action, t.state) for t in tasks] == [
        ("Radiology partner", "instruct_stop_admt", "open"), ("Imaging triage engine", "stop_admt", "open")]
    assert all(task.due_on <= limit for task in tasks)
    workbench.case_assign(dsr=dsr, assignee=olivia, actor=boss)
    for task in tasks:
        fulfilment_task_resolve(task=task, state="done", actor=olivia)
    workbench.case_complete(dsr=dsr, actor=olivia, outcome_summary="ADMT stopped", response="Stopped everywhere.")
    confirmation = Message.objects.get(template_key="admt_opt_out_processed", data_subject=dsr.subject)
    assert confirmation.to_email == "ann@example.com" and "Stopped everywhere." in confirmation.body_text

    # --- another asks how the system was used about them ---
    page.goto(f"{live_server.url}/automated-decisions/{entry.pk}/")
    page.get_by_role("link", name="Ask how Imaging triage was used about you").click()
    assert page.get_by_label("Tell me how automated decision-making is used about me (ADMT access)").is_checked()
    _file_through_the_form(page, name="Bo Example", email="bo@example.com")
    access = Case.objects.get(subject__email="bo@example.com")
    assert (access.right, access.status) == ("admt_access", "awaiting_verification")
    access = workbench.case_assign(dsr=confirm_email(access), assignee=olivia, actor=boss)
    sign_declaration(access, olivia)
    workbench.case_verify_identity(dsr=access, actor=olivia, method="signed_declaration")
    fulfilment_task_resolve(task=FulfilmentTask.objects.get(case=access, action="export_admt"), state="done",
                            actor=olivia, result={"data": [{"study": "MR-2026-07", "score": 91}]})
    case_admt_access_respond(dsr=access, actor=olivia)

    page.goto(f"{live_server.url}{reverse('requests_app:status', args=[links.status_token(access.subject)])}")
    page.get_by_label("Your e-mail address").fill("bo@example.com")
    page.get_by_role("button", name="Show messages").click()
    conversation = page.locator(f"#conversation-{access.reference}").inner_text()
    assert "How we use automated decision-making technology about you" in conversation
    assert "score: 91, study: MR-2026-07" in conversation and "We will not retaliate against you" in conversation
    save_screenshots(page, "admt-access-response")
