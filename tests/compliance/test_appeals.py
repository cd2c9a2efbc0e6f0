"""Appeals (VA, CO, CT, TX, OR): linked to the decision appealed, on their own clock, reachable from the denial."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine

from outbox.models import Message
from requests_app.models import Case
from requests_app.services import workbench
from requests_app.workflow import Status
from tests.compliance.support import LATER, assign, file, people
from tests.requests_app.intake_support import form_data

pytestmark = pytest.mark.usefixtures("clock")

APPEAL_DAY = dt.datetime(2026, 3, 20, 15, 0, tzinfo=dt.UTC)


def _denied_in_virginia(crew) -> Case:
    dsr = assign(file(["erasure"], subdivision="VA")[0], crew)
    with time_machine.travel(LATER, tick=False):
        workbench.case_deny(dsr=dsr, actor=crew["olivia"], ground="manifestly_unfounded_or_excessive",
                            explanation="Fifth identical request this month.")
    dsr.refresh_from_db()
    return dsr


def _appeal_post(client, **overrides):
    return client.post("/requests/", form_data(subdivision="VA", rights=["appeal"], **overrides))


def test_the_denial_links_to_the_appeal_form_and_names_the_attorney_general_with_contact_data(client):
    crew = people()
    decision = _denied_in_virginia(crew)
    body = Message.objects.get(template_key="denial").body_text
    link = f"http://127.0.0.1:8000/requests/?country=US&subdivision=VA&appeal={decision.reference}"
    assert link in body
    assert "the Office of the Attorney General of Virginia" in body and "+1 800 552 9963" in body
    page = client.get(link.split("127.0.0.1:8000", 1)[1]).content.decode()
    assert f'value="{decision.reference}"' in page
    assert re.search(r'value="appeal"[^>]*checked', page)


def test_an_appeal_without_a_decision_is_refused_on_the_public_form(client):
    crew = people()
    response = _appeal_post(client)
    assert response.status_code == 400
    assert "Give the reference of the decision you appeal" in response.content.decode()
    open_case = file(["erasure"], subdivision="VA")[0]  # same e-mail address, not decided yet
    response = _appeal_post(client, appeal_reference=open_case.reference)
    assert response.status_code == 400 and "We have not decided" in html.unescape(response.content.decode())
    decision = _denied_in_virginia(crew)
    response = _appeal_post(client, appeal_reference=decision.reference, email="someone.else@example.com")
    assert response.status_code == 400 and "We have no decision" in response.content.decode()
    assert not Case.objects.filter(right="appeal").exists()


def test_an_appeal_is_linked_to_its_decision_and_runs_on_its_own_clock(client):
    crew = people()
    decision = _denied_in_virginia(crew)
    with time_machine.travel(APPEAL_DAY, tick=False):
        response = _appeal_post(client, appeal_reference=decision.reference.lower())
    assert response.status_code == 302
    appeal = Case.objects.get(right="appeal")
    assert appeal.appeal_of == decision and appeal.regime == "va"
    assert appeal.receipt_date == dt.date(2026, 3, 20)
    assert appeal.respond_by == dt.date(2026, 3, 20) + dt.timedelta(days=60)  # Va. Code §59.1-577(C)
    assert decision.timeline.filter(summary__startswith=f"Decision appealed: {appeal.reference}").exists()
    assert appeal.history.first().history_change_reason == f"Appeal of the decision on {decision.reference}"


def test_an_appeal_denial_names_the_attorney_general_with_a_way_to_contact_them(client):
    crew = people()
    decision = _denied_in_virginia(crew)
    with time_machine.travel(APPEAL_DAY, tick=False):
        _appeal_post(client, appeal_reference=decision.reference)
    appeal = assign(Case.objects.get(right="appeal"), crew)
    with time_machine.travel(APPEAL_DAY + dt.timedelta(days=3), tick=False):
        workbench.case_deny(dsr=appeal, actor=crew["olivia"], ground="manifestly_unfounded_or_excessive",
                            explanation="The original decision stands.")
    body = Message.objects.filter(template_key="denial").order_by("-pk").first().body_text
    assert "This decision on your appeal is final with us" in body
    assert "https://www.oag.state.va.us/consumer-protection/, telephone +1 800 552 9963" in body
    assert "appeal form" not in body  # no second appeal is offered
    appeal.refresh_from_db()
    assert appeal.status == Status.DENIED


def test_an_appeal_entered_by_hand_needs_the_decision_too():
    crew = people()
    base = {"actor": crew["olivia"], "channel": "phone", "email": "ann@example.com", "rights": ["appeal"],
            "received_at": dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC), "country": "US", "subdivision": "VA"}
    with pytest.raises(workbench.WorkbenchError, match="Give the reference of the decision you appeal"):
        workbench.case_enter_manual(**base)
    decision = _denied_in_virginia(crew)
    [appeal] = workbench.case_enter_manual(**base, appeal_reference=decision.reference)
    assert appeal.appeal_of == decision
