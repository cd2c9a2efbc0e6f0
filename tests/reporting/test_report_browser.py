"""In a real browser: a supervisor opens the §7102 report, reads the charts and their numbers, changes the
year, and downloads the CSV; the page runs under a strict CSP without a single violation."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from medprivacy import roles
from requests_app.services import workbench
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from tests.factories import SubmissionFactory, make_case, officer, supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's password


def test_supervisor_reads_the_report_charts_and_downloads_the_csv(django_db_setup, page, live_server):
    # django_db_setup first: the test database must exist before Playwright starts its event loop.
    roles.ensure_roles()
    boss, olivia = supervisor("boss"), officer("olivia")
    now = timezone.now()
    year = now.year
    answered = make_case(submission=SubmissionFactory(received_at=now))
    case_change_status(dsr=answered, to=Status.VERIFIED, actor=None, reason="link")
    case_change_status(dsr=answered, to=Status.COMPLETED, actor=None, reason="answered", outcome_summary="sent")
    workbench.case_assign(dsr=make_case(right="erasure", submission=SubmissionFactory(received_at=now)),
                          assignee=olivia, actor=boss)

    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    # The index shows charts too, and links to the report.
    assert page.locator("svg.mp-chart").count() == 4
    page.get_by_role("link", name="privacy request metrics (§7102)").click()
    page.wait_for_url("**/admin/reports/privacy-metrics/")

    charts = page.locator("svg.mp-chart")
    assert charts.count() == 6
    for i in range(6):  # drawn at a real size: the stylesheet loaded, nothing was blocked
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    # Colours come from the stylesheet's classes, not inline styles.
    bar = page.locator('svg#requests-per-month rect.mp-bar.mp-series-1').first
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(192, 57, 43)"
    # Screen readers get the numbers: the chart's accessible name and a table with the same figures.
    assert "Requests received per month" in page.get_by_role("img", name="Requests received per month, by type "
                                                             "(the numbers are in the table below)").inner_html()
    month_table = page.locator('[data-chart="requests-per-month"] table')
    this_month = now.strftime("%b %Y")
    row = month_table.locator("tr", has=page.locator(f'th:text-is("{this_month}")'))
    assert row.locator("td").all_inner_texts()[:2] == ["1", "1"]  # one access, one erasure request
    know = page.locator('#mp-metrics tr[data-type="know"] td').all_inner_texts()
    assert know[:2] == ["1", "1"]
    assert "complied with in whole: 1" in page.get_by_role("textbox", name="Text for the privacy policy").input_value()

    # Another year: an empty report, still drawn.
    page.get_by_label("Year").fill(str(year - 1))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**year={year - 1}**")
    assert page.locator('#mp-metrics tr[data-type="know"] td').all_inner_texts()[0] == "0"
    page.get_by_label("Year").fill(str(year))
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**year={year}**")

    with page.expect_download() as download_info:
        page.locator("#mp-csv").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[1][:3] == ["know", "1", "1"] and rows[2][:2] == ["delete", "1"]
    assert violations == []
