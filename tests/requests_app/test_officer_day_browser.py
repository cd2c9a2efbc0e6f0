"""The officer's day in a real browser (issue 20): "my work" for an officer and a supervisor, the case list at a
glance with a saved filter, and manual entry with the residence chooser. Screenshots at 1440 and 768 px."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from medprivacy import roles
from requests_app.models import Case, SavedCaseFilter
from requests_app.services import workbench
from requests_app.services.conversation import case_requester_reply
from tests.factories import SubmissionFactory, make_case, officer, supervisor
from tests.screenshots import horizontal_overflow, save_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's password


def log_in(page, live_server, username: str, next_url: str = "/admin/") -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def assert_no_sideways_scroll_at_768(page) -> None:
    page.set_viewport_size({"width": 768, "height": 900})
    assert horizontal_overflow(page) == 0
    page.set_viewport_size({"width": 1440, "height": 900})


def a_day_of_cases():
    """Live server on the real clock: receipt dates relative to now (CCPA is due 45 days after receipt)."""
    roles.ensure_roles()
    boss, olivia, oscar = supervisor("boss"), officer("olivia"), officer("oscar")
    olivia.first_name, olivia.last_name = "Olivia", "Smith"
    olivia.save()
    now = timezone.now()

    def case_for(user, days_ago: int, **kwargs) -> Case:
        dsr = make_case(submission=SubmissionFactory(received_at=now - dt.timedelta(days=days_ago)), **kwargs)
        return workbench.case_assign(dsr=dsr, assignee=user, actor=boss) if user else dsr

    day = {
        "overdue": case_for(olivia, 60, right="opt_out_sale_sharing"),
        "soon": case_for(olivia, 42),
        "later": case_for(olivia, 5, right="erasure"),
        "closed": case_for(olivia, 20),
        "oscars": case_for(oscar, 60),
        "unassigned": case_for(None, 30),
    }
    case_requester_reply(dsr=day["later"], text="I also have an old account under my maiden name.")
    workbench.case_withdraw_on_behalf(dsr=day["closed"], actor=olivia, reason="Requester phoned to withdraw")
    return {"boss": boss, "olivia": olivia, "oscar": oscar}, day


def test_my_work_for_an_officer_and_a_supervisor(django_db_setup, page, live_server):
    people, day = a_day_of_cases()
    log_in(page, live_server, "olivia")
    page.get_by_role("link", name="My work: what is due, what awaits me, what came back").click()
    page.wait_for_url("**/admin/requests_app/case/my-work/")
    overdue = page.locator("#mp-work-overdue").inner_text()
    assert day["overdue"].reference in overdue and "days overdue" in overdue and "Sale/sharing opt-out" in overdue
    assert day["soon"].reference in page.locator("#mp-work-due_soon").inner_text()
    assert day["later"].reference in page.locator("#mp-work-awaiting_reply").inner_text()
    body = page.locator("#content-main").inner_text()
    assert day["oscars"].reference not in body and day["unassigned"].reference not in body
    assert day["closed"].reference not in body and page.locator("#mp-team").count() == 0
    save_screenshots(page, "my-work-officer")
    assert_no_sideways_scroll_at_768(page)

    page.locator("#mp-work-awaiting_reply").get_by_role("link", name=day["later"].reference).click()
    page.wait_for_url(f"**/admin/requests_app/case/{day['later'].pk}/change/")

    page.context.clear_cookies()
    log_in(page, live_server, "boss", "/admin/requests_app/case/my-work/")
    loads = page.locator("#mp-per-officer")
    assert loads.locator('tr[data-officer="Olivia Smith"] td[data-count="open"]').inner_text() == "3"
    assert loads.locator('tr[data-officer="Olivia Smith"] td[data-count="overdue"]').inner_text() == "1"
    assert loads.locator('tr[data-officer="oscar"] td[data-count="overdue"]').inner_text() == "1"
    assert day["unassigned"].reference in page.locator("#mp-work-unassigned").inner_text()
    team_overdue = page.locator("#mp-work-team_overdue")
    assert day["oscars"].reference in team_overdue.inner_text()
    save_screenshots(page, "my-work")
    assert_no_sideways_scroll_at_768(page)
    team_overdue.get_by_role("link", name=day["oscars"].reference).click()
    page.wait_for_url(f"**/admin/requests_app/case/{day['oscars'].pk}/change/")


def test_the_case_list_at_a_glance_and_a_saved_filter(django_db_setup, page, live_server):
    people, day = a_day_of_cases()
    log_in(page, live_server, "olivia", "/admin/requests_app/case/")
    results = page.locator("#result_list")
    text = results.inner_text()
    # Open cases by default, in words: short rights, regime abbreviations, days left, people by name.
    assert day["closed"].reference not in text
    assert "Sale/sharing opt-out" in text and "opt out sale sharing" not in text and "opt_out" not in text
    assert "CCPA" in text and "Olivia Smith" in text
    assert results.locator(".mp-days-overdue").first.inner_text().endswith("days overdue")
    assert results.locator(".mp-days-soon").first.inner_text().endswith("days left")
    filters = page.locator("#changelist-filter")
    state = filters.locator('details[data-filter-title="open or closed"]')
    assert state.locator("li.selected").inner_text() == "Open"
    # Compact references: one line each at 1440 px.
    lines = results.locator(".field-reference a").evaluate_all("links => links.map(a => a.getClientRects().length)")
    assert lines and set(lines) == {1}
    # Every column in view at 1440 px: the table does not scroll sideways inside its box.
    assert page.locator("#changelist-form .results").evaluate("box => box.scrollWidth - box.clientWidth") == 0
    save_screenshots(page, "case-list")
    assert_no_sideways_scroll_at_768(page)

    state.get_by_role("link", name="All cases", exact=True).click()
    page.wait_for_url("**state=all**")
    assert day["closed"].reference in results.inner_text()

    # Save "mine, due this week" and come back to it from anywhere in the list.
    state.get_by_role("link", name="Open", exact=True).click()
    page.wait_for_url("**state=open**")
    filters.get_by_role("link", name="Mine", exact=True).click()
    page.wait_for_url("**assignee=mine**")
    filters.get_by_role("link", name="Due this week", exact=True).click()
    page.wait_for_url("**due=week**")
    page.get_by_label("Save these filters as").fill("Due this week")
    page.get_by_role("button", name="Save").click()
    # The page comes back at the same address: wait for the saved filter itself, not for the URL.
    expect(page.locator("#mp-saved-filters").get_by_role("link", name="Due this week")).to_be_visible()
    saved = SavedCaseFilter.objects.get(user=people["olivia"])
    assert saved.query == "assignee=mine&due=week&state=open"
    page.goto(f"{live_server.url}/admin/requests_app/case/?state=all")
    page.locator("#mp-saved-filters").get_by_role("link", name="Due this week").click()
    page.wait_for_url("**due=week**")
    assert results.locator("tbody tr").count() == 1 and day["soon"].reference in results.inner_text()
    page.get_by_role("button", name="Delete the saved filter Due this week").click()
    page.wait_for_url("**/admin/requests_app/case/")
    assert not SavedCaseFilter.objects.exists()
    assert "None yet" in page.locator("#mp-saved-filters").inner_text()

    # The assignee is a search: a supervisor finds Oscar's cases by typing.
    page.context.clear_cookies()
    log_in(page, live_server, "boss", "/admin/requests_app/case/")
    page.get_by_label("Name or username").fill("oscar")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**assignee=oscar**")
    assert results.locator("tbody tr").count() == 1 and day["oscars"].reference in results.inner_text()


def test_manual_entry_offers_the_rights_of_the_residence(django_db_setup, page, live_server):
    roles.ensure_roles()
    officer("olivia")
    log_in(page, live_server, "olivia", "/admin/requests_app/case/add/")
    page.get_by_label("Country where you live").select_option("DE")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**country=DE**")
    assert "Germany" in page.locator("#mp-residence").inner_text()
    assert page.get_by_label("Delete my information (erasure)").count() == 1
    assert page.get_by_label("Do not sell or share my information (opt-out)").count() == 0

    page.get_by_role("link", name="Change the residence").click()
    page.get_by_label("Country where you live").select_option("US")
    page.get_by_label("US state or region").select_option("CA")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**subdivision=CA**")
    page.get_by_label("Do not sell or share my information (opt-out)").check()
    page.get_by_label("Channel").select_option("phone")
    received = timezone.now().astimezone(ZoneInfo(settings.DISPLAY_TIME_ZONE)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Received at").fill(received)
    page.get_by_label("Email").fill("caller@example.com")
    page.get_by_role("button", name="Enter request").click()
    page.wait_for_url("**/admin/requests_app/case/*/change/")
    dsr = Case.objects.get()
    assert (dsr.regime, dsr.right, dsr.channel) == ("ccpa", "opt_out_sale_sharing", "phone")
