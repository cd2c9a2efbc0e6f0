"""An officer's day in a real browser: log in, filter "mine, due this week", open a case, extend it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from medprivacy import roles
from outbox.models import Message
from requests_app.services import workbench
from tests.factories import SubmissionFactory, make_case, officer, supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's password


def test_officer_filters_opens_and_extends_a_case(django_db_setup, page, live_server):
    # django_db_setup first: the test database must exist before Playwright starts its event loop.
    # The live server runs on the real clock: receipt dates are relative to today so that "due this
    # week" holds (CCPA: due 45 days after receipt; received 40 days ago → due in 4-5 days).
    roles.ensure_roles()
    boss, olivia, oscar = supervisor("boss"), officer("olivia"), officer("oscar")
    now = timezone.now()

    def case_for(user, days_ago: int):
        dsr = make_case(submission=SubmissionFactory(received_at=now - dt.timedelta(days=days_ago)))
        return workbench.case_assign(dsr=dsr, assignee=user, actor=boss)

    due_soon = case_for(olivia, 40)
    due_later = case_for(olivia, 10)
    someone_elses = case_for(oscar, 40)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/requests_app/case/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/requests_app/case/")

    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name="Mine", exact=True).click()
    page.wait_for_url("**assignee=mine**")
    filters.get_by_role("link", name="Due this week", exact=True).click()
    page.wait_for_url("**due=week**")
    results = page.locator("#result_list tbody tr")
    assert results.count() == 1
    body = page.locator("#result_list").inner_text()
    assert due_soon.reference in body
    assert due_later.reference not in body and someone_elses.reference not in body

    page.get_by_role("link", name=due_soon.reference).click()
    page.wait_for_url(f"**/admin/requests_app/case/{due_soon.pk}/change/**")
    assert due_soon.subject.email in page.locator("#mp-case-title").locator("..").inner_text()

    page.locator('a[data-action="extend"]').click()
    page.wait_for_url(f"**/{due_soon.pk}/extend/")
    page.get_by_label("Reason").fill("We need to search three archive systems.")
    page.get_by_role("button", name="Extend deadline").click()
    page.wait_for_url(f"**/admin/requests_app/case/{due_soon.pk}/change/**")
    due_soon.refresh_from_db()
    assert page.locator(".messagelist").inner_text().startswith(
        f"{due_soon.reference}: extended to {due_soon.due_on.isoformat()}")
    assert due_soon.extended_at is not None and due_soon.due_on == due_soon.extended_respond_by

    notices = Message.objects.filter(submission=due_soon.submission, template_key="extension_notice")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.to_email == due_soon.subject.email
    assert "We need to search three archive systems." in notice.body_text
    assert f"will respond by {due_soon.due_on.isoformat()}" in notice.body_text
    # The case page's timeline shows the notice exactly as stored.
    assert notice.subject in page.locator("body").inner_text()
