"""The officer's day (issue 20): "my work", the case list at a glance, saved filters, history in words."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fulfilment import services as fulfilment
from fulfilment.models import System
from medprivacy import roles
from regimes import deadlines
from requests_app.admin_display import days_left_html, right_short_label
from requests_app.models import Case, SavedCaseFilter
from requests_app.services import workbench
from requests_app.services.cases import case_change_status
from requests_app.services.conversation import case_requester_reply
from requests_app.services.saved_filters import SavedFilterRefused, saved_filter_save
from requests_app.workflow import Status
from tests.factories import make_case, officer, supervisor
from tests.fulfilment.helpers import only_systems

pytestmark = pytest.mark.django_db

# Received 2026-03-05: CCPA is due 2026-04-19 (4 days left), GDPR access a month after receipt (overdue).
TODAY = dt.datetime(2026, 4, 15, 16, 0, tzinfo=dt.UTC)
MY_WORK = reverse("admin:requests_app_case_my_work")
CHANGELIST = reverse("admin:requests_app_case_changelist")
DESK = "Support desk (test)"


@pytest.fixture(autouse=True)
def _frozen_and_roles(db, settings):
    roles.ensure_roles()
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def people():
    olivia = officer("olivia")
    olivia.first_name, olivia.last_name = "Olivia", "Smith"
    olivia.save()
    return {"boss": supervisor("boss"), "olivia": olivia, "oscar": officer("oscar")}


def assigned(people, who: str, **kwargs) -> Case:
    return workbench.case_assign(dsr=make_case(**kwargs), assignee=people[who], actor=people["boss"])


@pytest.fixture
def day(people):
    """Olivia: one overdue (GDPR), one due soon with a reply waiting; Oscar: one overdue; one unassigned."""
    soon = assigned(people, "olivia")
    case_requester_reply(dsr=soon, text="Here is the account number you asked for.")
    return {
        "olivia_overdue": assigned(people, "olivia", regime="gdpr"),
        "olivia_soon": soon,
        "oscar_overdue": assigned(people, "oscar", regime="gdpr"),
        "unassigned": make_case(right="erasure"),
    }


def sections(response) -> dict[str, list[str]]:
    return {s["key"]: [row["case"].reference for row in s["rows"]] for s in response.context["mine"]}


# --- my work ----------------------------------------------------------------------------------------------


def test_my_work_shows_the_officers_own_queues_and_never_another_officers_case(client, people, day):
    client.force_login(people["olivia"])
    response = client.get(MY_WORK)
    assert response.status_code == 200
    assert sections(response) == {
        "overdue": [day["olivia_overdue"].reference],
        "due_soon": [day["olivia_soon"].reference],
        "awaiting_reply": [day["olivia_soon"].reference],
        "tasks": [],
    }
    html = response.content.decode()
    assert day["oscar_overdue"].reference not in html and day["unassigned"].reference not in html
    assert response.context["team"] is None and 'id="mp-team"' not in html
    late = (dt.date(2026, 4, 15) - day["olivia_overdue"].due_on).days
    assert late > 1
    due = day["olivia_overdue"].due_on.isoformat()
    assert (f'<span class="mp-days mp-days-overdue" data-days-left="-{late}" title="due {due}">'
            f'{late} days overdue</span>') in html
    assert f'href="{reverse("admin:requests_app_case_change", args=[day["olivia_overdue"].pk])}"' in html


def test_my_work_lists_tasks_the_officer_owns_on_others_cases(client, people, day):
    desk = System(name=DESK, role="service_provider", categories=["contact_identification"],
                  access_method=System.Access.MANUAL, owner_user=people["olivia"], purposes="Support",
                  retention="Two years")
    fulfilment.system_save(system=desk, actor=people["boss"], reason="Olivia runs support")
    only_systems(DESK)
    for dsr in (day["oscar_overdue"], day["olivia_soon"]):
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
        fulfilment.fulfilment_create_tasks(dsr=dsr)
    client.force_login(people["olivia"])
    response = client.get(MY_WORK)
    (tasks,) = [s for s in response.context["mine"] if s["key"] == "tasks"]
    assert [row["case"].reference for row in tasks["rows"]] == [day["oscar_overdue"].reference]
    # Olivia may not open Oscar's case: the item opens the task, which she owns.
    task = tasks["rows"][0]["task"]
    assert tasks["rows"][0]["url"] == reverse("admin:fulfilment_fulfilmenttask_change", args=[task.pk])
    assert client.get(tasks["rows"][0]["url"]).status_code == 200


def test_supervisor_sees_the_team_per_officer_with_each_item_one_click_from_its_case(client, people, day):
    client.force_login(people["boss"])
    response = client.get(MY_WORK)
    team = response.context["team"]
    loads = {load.name: (load.open, load.overdue, load.due_soon, load.awaiting_reply) for load in team.per_officer}
    assert loads == {"Olivia Smith": (2, 1, 1, 1), "oscar": (1, 1, 0, 0)}
    assert [load.name for load in team.per_officer][0] == "Olivia Smith"  # most overdue first, then by name
    by_key = {s["key"]: [row["case"].reference for row in s["rows"]] for s in response.context["team_sections"]}
    assert by_key == {
        "unassigned": [day["unassigned"].reference],
        "team_overdue": [day["olivia_overdue"].reference, day["oscar_overdue"].reference],
        "team_awaiting_reply": [day["olivia_soon"].reference],
    }
    html = response.content.decode()
    assert f'href="{CHANGELIST}?assignee={people["oscar"].pk}&amp;due=overdue"' in html
    assert f'href="{reverse("admin:requests_app_case_change", args=[day["oscar_overdue"].pk])}"' in html


def _my_work_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_WORK).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["olivia", "boss"])
def test_my_work_costs_the_same_number_of_queries_at_any_size(client, people, day, who):
    few = _my_work_queries(client, people[who])
    for _ in range(6):
        dsr = assigned(people, "olivia", regime="gdpr")
        case_requester_reply(dsr=dsr, text="More.")
        assigned(people, "oscar")
    assert _my_work_queries(client, people[who]) == few


def test_my_work_needs_a_staff_user_who_may_see_cases(client):
    assert client.get(MY_WORK).status_code == 302  # to the login page
    nobody = officer("nobody")
    nobody.groups.clear()
    client.force_login(nobody)
    assert client.get(MY_WORK).status_code == 403


def test_the_admin_index_links_to_my_work(client, people):
    client.force_login(people["olivia"])
    assert f'href="{MY_WORK}"' in client.get(reverse("admin:index")).content.decode()


# --- the list at a glance ---------------------------------------------------------------------------------


def test_the_list_reads_in_words_not_codes(client, people, day):
    client.force_login(people["boss"])
    dsr = make_case(right="opt_out_sale_sharing")
    html = client.get(CHANGELIST).content.decode()
    assert "Sale/sharing opt-out" in html and "opt out sale sharing" not in html
    assert '<abbr title="California Consumer Privacy Act (CCPA)">CCPA</abbr>' in html
    assert "Olivia Smith" in html  # the assignee by name
    assert dsr.reference in html


def test_right_short_label_falls_back_to_the_public_label():
    assert right_short_label("erasure") == "Deletion"
    assert right_short_label("not_a_right_yet") == "not_a_right_yet"


@pytest.mark.parametrize(("due", "is_open", "words", "tone"), [
    (dt.date(2026, 4, 15), True, "due today", "overdue"),
    (dt.date(2026, 4, 14), True, "1 day overdue", "overdue"),
    (dt.date(2026, 4, 20), True, "5 days left", "soon"),
    (dt.date(2026, 4, 21), True, "6 days left", "ok"),
    (dt.date(2026, 4, 1), False, "closed", "closed"),
])
def test_days_left_says_it_in_words_and_colour(due, is_open, words, tone):
    html = days_left_html(due_on=due, is_open=is_open, paused=False, today=dt.date(2026, 4, 15))
    assert f"mp-days-{tone}" in html and f">{words}</span>" in html


def test_the_assignee_filter_is_a_search_that_keeps_the_other_filters(client, people, day):
    client.force_login(people["boss"])
    response = client.get(CHANGELIST, {"assignee": "smith", "due": "overdue"})
    assert {dsr.pk for dsr in response.context["cl"].result_list} == {day["olivia_overdue"].pk}
    html = response.content.decode()
    assert '<input type="search" id="mp-assignee-search" name="assignee" value="smith"' in html
    assert '<input type="hidden" name="due" value="overdue">' in html
    assert "oscar</a>" not in html  # no sidebar entry per officer
    unassigned = client.get(CHANGELIST, {"assignee": "unassigned"})
    assert {dsr.pk for dsr in unassigned.context["cl"].result_list} == {day["unassigned"].pk}


# --- saved filters ----------------------------------------------------------------------------------------


def test_saved_filter_round_trip_is_per_user(client, people, day):
    client.force_login(people["olivia"])
    saved = client.post(reverse("admin:requests_app_case_saved_filter_save"),
                        {"name": "  My   overdue ", "query": "due=overdue&assignee=mine&p=2"})
    stored = SavedCaseFilter.objects.get(user=people["olivia"])
    assert (stored.name, stored.query) == ("My overdue", "assignee=mine&due=overdue")  # no page number
    assert saved.status_code == 302 and saved["Location"] == f"{CHANGELIST}?assignee=mine&due=overdue"
    html = client.get(CHANGELIST).content.decode()
    assert '<a href="?assignee=mine&amp;due=overdue">My overdue</a>' in html

    client.force_login(people["oscar"])
    assert "My overdue" not in client.get(CHANGELIST).content.decode()
    delete = reverse("admin:requests_app_case_saved_filter_delete", args=[stored.pk])
    client.post(delete)
    assert SavedCaseFilter.objects.filter(pk=stored.pk).exists()  # not Oscar's to delete

    client.force_login(people["olivia"])
    assert client.get(delete).status_code == 405
    client.post(delete)
    assert not SavedCaseFilter.objects.filter(pk=stored.pk).exists()
    assert stored.history.count() == 2  # created, deleted


def test_saving_under_the_same_name_replaces_it(people):
    saved_filter_save(user=people["olivia"], name="Mine", query="assignee=mine")
    saved_filter_save(user=people["olivia"], name="Mine", query="assignee=mine&due=week")
    assert list(SavedCaseFilter.objects.values_list("name", "query")) == [("Mine", "assignee=mine&due=week")]


def test_a_saved_filter_never_keeps_an_email_address(client, people):
    with pytest.raises(SavedFilterRefused, match="cannot hold an e-mail address"):
        saved_filter_save(user=people["olivia"], name="Someone", query="q=someone%40example.com")
    client.force_login(people["olivia"])
    response = client.post(reverse("admin:requests_app_case_saved_filter_save"),
                           {"name": "Someone", "query": "q=someone@example.com"}, follow=True)
    assert "cannot hold an e-mail address" in response.content.decode()
    assert not SavedCaseFilter.objects.exists()
    with pytest.raises(SavedFilterRefused, match="Give the filter a name"):
        saved_filter_save(user=people["olivia"], name="  ", query="due=week")


# --- history: oldest first, people by name ---------------------------------------------------------------


def test_history_names_people_and_runs_oldest_first_like_the_timeline(client, people):
    dsr = make_case()
    workbench.case_assign(dsr=dsr, assignee=people["oscar"], actor=people["boss"])
    workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"], reason="Oscar is away")
    client.force_login(people["boss"])
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk]))
    rows = page.context["history_rows"]
    assert [row["at"] for row in rows] == sorted(row["at"] for row in rows)
    assert "assignee: — → oscar" in rows[-2]["fields"]
    assert "assignee: oscar → Olivia Smith" in rows[-1]["fields"]
    assert rows[-1]["who"] == "boss" and rows[-1]["reason"].endswith("Oscar is away")
    html = page.content.decode()
    assert f"→ {people['olivia'].pk}<" not in html and f"→ {people['olivia'].pk}," not in html

    full = client.get(reverse("admin:requests_app_case_history", args=[dsr.pk]))
    records = list(full.context["page_obj"].object_list)
    assert [r.history_date for r in records] == sorted(r.history_date for r in records)
    full_html = " ".join(full.content.decode().split())
    assert "<strong>assignee:</strong> — &nbsp;&rarr;&nbsp;&nbsp;oscar" in full_html
    assert "<strong>assignee:</strong> oscar &nbsp;&rarr;&nbsp;&nbsp;Olivia Smith" in full_html
    assert "Deleted user" not in full_html


def test_history_shows_status_labels_not_codes(client, people):
    dsr = make_case()
    workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])
    workbench.case_withdraw_on_behalf(dsr=dsr, actor=people["olivia"], reason="phoned")
    client.force_login(people["boss"])
    rows = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).context["history_rows"]
    changes = " | ".join(row["fields"] for row in rows)
    assert "status: Awaiting verification → Withdrawn" in changes
    assert Status.WITHDRAWN.value not in changes


# --- manual entry: the residence first, then only its rights ----------------------------------------------

ADD = reverse("admin:requests_app_case_add")


def offered(response) -> list[str]:
    return [code for code, _label in response.context["form"].fields["rights"].choices]


def test_manual_entry_asks_the_residence_from_a_list_then_offers_its_rights(client, people):
    client.force_login(people["olivia"])
    step_one = client.get(ADD)
    html = step_one.content.decode()
    assert step_one.status_code == 200 and '<select name="country"' in html and '<select name="subdivision"' in html
    assert '<option value="DE">Germany</option>' in html

    germany = client.get(ADD, {"country": "DE", "subdivision": ""})
    assert germany.status_code == 200 and "Germany" in germany.context["form"].residence
    assert offered(germany) == list(deadlines.rights_offered("DE", None, is_patient=True))
    assert "opt_out_sale_sharing" not in offered(germany) and "erasure" in offered(germany)
    california = client.get(ADD, {"country": "US", "subdivision": "CA"})
    assert "opt_out_sale_sharing" in offered(california)
    assert "California, United States" in california.content.decode()


def test_manual_entry_refuses_a_right_the_residence_does_not_have(client, people):
    client.force_login(people["olivia"])
    data = {"country": "DE", "subdivision": "", "channel": "phone", "received_at": "2026-04-15 11:55",
            "email": "anrufer@example.com", "rights": ["opt_out_sale_sharing"]}
    refused = client.post(ADD, data)
    assert refused.status_code == 400 and not Case.objects.exists()
    assert "Select a valid choice" in refused.content.decode()
    entered = client.post(ADD, {**data, "rights": ["erasure"]})
    assert entered.status_code == 302
    dsr = Case.objects.get()
    assert (dsr.regime, dsr.right, dsr.channel) == ("gdpr", "erasure", "phone")


def test_manual_entry_with_an_unknown_residence_goes_back_to_step_one(client, people):
    client.force_login(people["olivia"])
    response = client.get(ADD, {"country": "ZZ"})
    assert response.status_code == 400 and "Choose the country where you live" in response.content.decode()
    tampered = client.post(ADD, {"country": "US", "subdivision": "XX", "channel": "phone", "email": "a@example.com",
                                 "received_at": "2026-04-15 11:55", "rights": ["access"]})
    assert tampered.status_code == 400 and not Case.objects.exists()
    assert "Choose the US state or region" in tampered.content.decode()


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(country=st.text(max_size=4), subdivision=st.text(max_size=4), change=st.booleans())
def test_manual_entry_never_fails_on_any_residence_input(client, people, country, subdivision, change):
    client.force_login(people["olivia"])
    params = {"country": country, "subdivision": subdivision, **({"change": "1"} if change else {})}
    response = client.get(ADD, params)
    assert response.status_code in (200, 400)


def test_timeline_conversation_and_history_all_run_oldest_first(people):
    from requests_app import selectors
    from requests_app.admin import CaseAdmin, TimelineInline

    dsr = make_case()
    assert TimelineInline.ordering == ("at", "pk")
    assert selectors.case_timeline_for_user(user=people["boss"], dsr=dsr).query.order_by == ("at", "pk")
    assert selectors.case_thread_for_user(user=people["boss"], dsr=dsr).query.order_by == ("created_at", "pk")
    history = CaseAdmin(Case, None).get_history_queryset(None, Case.history, "id", dsr.pk)
    assert history.query.order_by == ("history_date", "history_id")
