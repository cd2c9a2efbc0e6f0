"""The report page, its CSV and text, charts on the admin index, and the filtered case-list export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from medprivacy import roles
from requests_app.services import workbench
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from tests.factories import make_case, officer, supervisor

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 4, 15, 16, 0, tzinfo=dt.UTC)
REPORT = reverse("reporting:metrics")


@pytest.fixture(autouse=True)
def _frozen(settings):
    roles.ensure_roles()
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia"), "oscar": officer("oscar")}


@pytest.fixture
def cases(people):
    mine = workbench.case_assign(dsr=make_case(), assignee=people["olivia"], actor=people["boss"])
    theirs = workbench.case_assign(dsr=make_case(right="erasure"), assignee=people["oscar"], actor=people["boss"])
    done = make_case()
    case_change_status(dsr=done, to=Status.VERIFIED, actor=None, reason="link")
    case_change_status(dsr=done, to=Status.COMPLETED, actor=None, reason="answered", outcome_summary="sent")
    return {"mine": mine, "theirs": theirs, "done": done}


def test_report_page_is_for_supervisors_only(client, people):
    client.force_login(people["olivia"])
    assert client.get(REPORT).status_code == 403
    client.logout()
    assert client.get(REPORT).status_code == 302  # to the login page


def test_report_page_shows_figures_text_and_charts_with_their_tables(client, people, cases):
    client.force_login(people["boss"])
    response = client.get(REPORT, {"year": 2026, "regime": "ccpa"})
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr data-type="know">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    # Two access requests received 2026-03-05 (one still open), one answered in whole on 2026-04-15: 41 days.
    assert cells[:4] == ["2", "1", "0", "0"] and cells[-2:] == ["41.0", "41.0"]
    paste = response.context["policy_text"]
    assert "Requests to know / access:\n  - received: 2\n  - complied with in whole: 1" in paste
    main = html.split('id="content-main"')[1]
    assert main.count('class="mp-chart"') == 6 and main.count("<caption>") == 7  # six charts, their tables, figures
    # Nothing a strict CSP blocks: no inline style or script in what the page adds.
    assert "style=" not in html.split('id="content-main"')[1]
    assert "<script" not in html.split('id="content-main"')[1]
    assert "style-src 'self'" in response["Content-Security-Policy"]


def test_report_csv_download(client, people, cases):
    client.force_login(people["boss"])
    response = client.get(REPORT, {"year": 2026, "download": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "privacy-metrics-2026-01-01-2026-12-31-all.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:3] == ["know", "2", "1"] and rows[2][:2] == ["delete", "1"]


@pytest.mark.parametrize(("query", "message"), [
    ({"year": "twenty"}, "Enter a whole number"),
    ({"year": 2026, "start": "2026-01-01", "end": "2026-02-01"}, "not both"),
    ({"start": "2026-05-01", "end": "2026-01-01"}, "before its start"),
    ({"start": "2026-05-01"}, "needs both a start and an end"),
    ({"regime": "mars"}, "Select a valid choice"),
])
def test_report_answers_bad_input_with_400_and_a_message(client, people, query, message):
    client.force_login(people["boss"])
    response = client.get(REPORT, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_admin_index_shows_charts_scoped_to_what_the_user_sees(client, people, cases):
    client.force_login(people["olivia"])
    html = client.get(reverse("admin:index")).content.decode()
    assert 'data-chart="index-backlog-age"' in html and 'data-chart="index-per-month"' not in html
    ages = re.search(r'data-chart="index-backlog-age".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert "<th scope=\"row\">31–45 days</th><td>1</td>" in ages  # only her own case, received 41 days ago
    client.force_login(people["boss"])
    html = client.get(reverse("admin:index")).content.decode()
    assert 'data-chart="index-per-month"' in html and 'data-chart="index-officer-load"' in html
    assert reverse("reporting:metrics") in html


def test_case_list_csv_is_the_filtered_list_the_officer_may_see_without_personal_data(client, people, cases):
    client.force_login(people["olivia"])
    url = reverse("reporting:case_list_csv")
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode())))
    assert [r[0] for r in rows[1:]] == [cases["mine"].reference]
    client.force_login(people["boss"])
    rows = list(csv.reader(io.StringIO(client.get(url, {"right__exact": "erasure"}).content.decode())))
    assert [r[0] for r in rows[1:]] == [cases["theirs"].reference]
    body = client.get(url).content.decode()
    assert cases["mine"].subject.email not in body and cases["mine"].subject.full_name not in body
    assert client.get(url, {"no_such_field__gt": "x"}).status_code == 400
    # The list page links to the export with its filters.
    page = client.get(reverse("admin:requests_app_case_changelist"), {"right__exact": "erasure"}).content.decode()
    assert f"{url}?right__exact=erasure" in page
