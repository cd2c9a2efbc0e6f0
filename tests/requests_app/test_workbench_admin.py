"""The workbench admin: every page, action, inline, download and history view is scoped by guardian."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medprivacy import roles
from outbox.models import Message, MessageTemplate
from requests_app.admin import CaseAdmin, TimelineInline
from requests_app.models import Case, CaseAttachment
from requests_app.services import workbench
from requests_app.workflow import Status
from tests.factories import UserFactory, make_case, officer, supervisor
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

# Cases are received 2026-03-05; CCPA access is due 2026-04-19. "Today" in the office is 2026-04-15.
TODAY = dt.datetime(2026, 4, 15, 16, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_and_roles(db, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    roles.ensure_roles()
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia"), "oscar": officer("oscar")}


@pytest.fixture
def cases(people):
    """Two cases for Olivia, one for Oscar, one unassigned."""
    def assign(dsr, who):
        return workbench.case_assign(dsr=dsr, assignee=people[who], actor=people["boss"])

    return {
        "olivia_1": assign(make_case(), "olivia"),
        "olivia_2": assign(make_case(right="erasure"), "olivia"),
        "oscar": assign(make_case(), "oscar"),
        "unassigned": make_case(),
    }


def client_for(client, user):
    client.force_login(user)
    return client


def listed(response) -> set[int]:
    return {dsr.pk for dsr in response.context["cl"].result_list}


CHANGELIST = reverse("admin:requests_app_case_changelist")


def change_url(dsr: Case) -> str:
    return reverse("admin:requests_app_case_change", args=[dsr.pk])


# --- the list --------------------------------------------------------------------------------------------


def test_officer_lists_exactly_their_cases(client, people, cases):
    response = client_for(client, people["olivia"]).get(CHANGELIST)
    assert response.status_code == 200
    assert listed(response) == {cases["olivia_1"].pk, cases["olivia_2"].pk}
    assert cases["oscar"].reference not in response.content.decode()


def test_supervisor_lists_every_case(client, people, cases):
    response = client_for(client, people["boss"]).get(CHANGELIST)
    assert listed(response) == {dsr.pk for dsr in cases.values()}


def test_list_shows_masked_requester_and_due_badges(client, people, cases):
    olivia_1 = cases["olivia_1"]
    workbench.case_extend(dsr=cases["olivia_2"], actor=people["olivia"], reason="archives")
    html = client_for(client, people["olivia"]).get(CHANGELIST).content.decode()
    assert olivia_1.subject.masked_email in html and olivia_1.subject.email not in html
    # due 2026-04-19, today 04-15: words and colour, computed from the stored due date
    assert '<span class="mp-days mp-days-soon" data-days-left="4" title="due 2026-04-19">4 days left</span>' in html
    assert "days left (extended)</span>" in html
    with time_machine.travel(dt.datetime(2026, 4, 22, 16, 0, tzinfo=dt.UTC), tick=False):
        html = client_for(client, people["olivia"]).get(CHANGELIST).content.decode()
    assert 'mp-days-overdue" data-days-left="-3" title="due 2026-04-19">3 days overdue</span>' in html


def test_filters_mine_unassigned_and_due(client, people, cases):
    boss = client_for(client, people["boss"])
    with time_machine.travel(dt.datetime(2026, 4, 15, 16, 0, tzinfo=dt.UTC), tick=False):
        workbench.case_assign(dsr=cases["unassigned"], assignee=people["boss"], actor=people["boss"])
    assert listed(boss.get(CHANGELIST, {"assignee": "mine"})) == {cases["unassigned"].pk}
    workbench.case_extend(dsr=cases["olivia_2"], actor=people["olivia"], reason="archives")
    assert listed(boss.get(CHANGELIST, {"due": "week"})) == {cases["olivia_1"].pk, cases["oscar"].pk,
                                                            cases["unassigned"].pk}
    assert listed(boss.get(CHANGELIST, {"due": "later"})) == {cases["olivia_2"].pk}
    assert listed(boss.get(CHANGELIST, {"due": "overdue"})) == set()
    olivia = client_for(client, people["olivia"])
    assert listed(olivia.get(CHANGELIST, {"assignee": "mine", "due": "week"})) == {cases["olivia_1"].pk}


def test_unassigned_and_verified_filters(client, people, cases):
    boss = client_for(client, people["boss"])
    assert listed(boss.get(CHANGELIST, {"assignee": "unassigned"})) == {cases["unassigned"].pk}
    workbench.case_verify_identity(dsr=cases["oscar"], actor=people["oscar"], method="data_points")
    assert listed(boss.get(CHANGELIST, {"verified": "yes"})) == {cases["oscar"].pk}


def test_search_by_reference_and_exact_normalized_email(client, people, cases):
    boss = client_for(client, people["boss"])
    target = cases["oscar"]
    assert listed(boss.get(CHANGELIST, {"q": target.reference})) == {target.pk}
    assert listed(boss.get(CHANGELIST, {"q": f"  {target.subject.email.upper()} "})) == {target.pk}
    partial = target.subject.email.split("@")[0] + "@"
    assert listed(boss.get(CHANGELIST, {"q": partial})) == set()


def test_a_search_finds_a_closed_case_unless_the_officer_chose_open(client, people, cases):
    workbench.case_withdraw_on_behalf(dsr=cases["olivia_1"], actor=people["olivia"], reason="phoned")
    boss = client_for(client, people["boss"])
    closed = cases["olivia_1"]
    response = boss.get(CHANGELIST, {"q": closed.reference})
    assert listed(response) == {closed.pk}
    state = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "state")
    assert state.value() == "all"  # the sidebar says what the list shows
    assert listed(boss.get(CHANGELIST, {"q": closed.subject.email})) == {closed.pk}
    assert listed(boss.get(CHANGELIST, {"q": closed.reference, "state": "open"})) == set()
    assert closed.pk not in listed(boss.get(CHANGELIST))  # without a search the list still opens on open cases
    # A status chosen in the sidebar is open or closed by itself: "Withdrawn" lists the withdrawn case.
    closed.refresh_from_db()
    assert listed(boss.get(CHANGELIST, {"status__exact": closed.status})) == {closed.pk}


def test_open_cases_come_first_by_nearest_due_date(client, people, cases):
    workbench.case_withdraw_on_behalf(dsr=cases["olivia_1"], actor=people["olivia"], reason="phoned")
    workbench.case_extend(dsr=cases["olivia_2"], actor=people["olivia"], reason="archives")
    boss = client_for(client, people["boss"])
    order = [dsr.pk for dsr in boss.get(CHANGELIST, {"state": "all"}).context["cl"].result_list]
    assert order == [cases["oscar"].pk, cases["unassigned"].pk, cases["olivia_2"].pk, cases["olivia_1"].pk]
    # The list opens on open cases only; "Closed" and "All" are one click away.
    assert [dsr.pk for dsr in boss.get(CHANGELIST).context["cl"].result_list] == order[:3]
    assert listed(boss.get(CHANGELIST, {"state": "closed"})) == {cases["olivia_1"].pk}


def _changelist_queries(client, n: int) -> int:
    for _ in range(n - Case.objects.count()):
        make_case()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, {"all": ""} if n > 50 else {})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == n
    return len(ctx.captured_queries)


def test_changelist_query_count_does_not_grow_with_the_page(client, people, settings):
    boss = client_for(client, people["boss"])
    CaseAdmin.list_per_page = 200
    try:
        at_10 = _changelist_queries(boss, 10)
        at_100 = _changelist_queries(boss, 100)
    finally:
        CaseAdmin.list_per_page = 50
    assert at_100 == at_10


def test_officer_changelist_at_100_cases_stays_bounded(client, people, django_assert_max_num_queries):
    for _ in range(100):
        workbench.case_assign(dsr=make_case(), assignee=people["olivia"], actor=people["boss"])
    olivia = client_for(client, people["olivia"])
    CaseAdmin.list_per_page = 200
    try:
        with django_assert_max_num_queries(15):
            response = olivia.get(CHANGELIST)
    finally:
        CaseAdmin.list_per_page = 50
    assert len(response.context["cl"].result_list) == 100


# --- another officer's case: 404 everywhere, nothing changes ---------------------------------------------


def test_officer_gets_404_on_anothers_case_page_and_history(client, people, cases):
    olivia = client_for(client, people["olivia"])
    theirs = cases["oscar"]
    assert olivia.get(change_url(theirs)).status_code == 404
    assert olivia.get(reverse("admin:requests_app_case_history", args=[theirs.pk])).status_code == 404
    history_row = theirs.history.first().history_id
    assert olivia.get(reverse("admin:requests_app_case_simple_history",
                              args=[theirs.pk, history_row])).status_code == 404
    assert olivia.get(change_url(cases["olivia_1"])).status_code == 200
    assert olivia.get(reverse("admin:requests_app_case_history", args=[cases["olivia_1"].pk])).status_code == 200


def test_history_is_not_revertible(client, people, cases):
    boss = client_for(client, people["boss"])
    dsr = cases["oscar"]
    url = reverse("admin:requests_app_case_simple_history", args=[dsr.pk, dsr.history.last().history_id])
    assert boss.post(url, {}).status_code == 403


@pytest.mark.parametrize(("action", "data"), [
    ("extend", {"reason": "more time"}),
    ("verify", {"method": "data_points"}),
    ("deny", {"ground": "unverifiable"}),
    ("withdraw", {"reason": "phoned"}),
    ("note", {"text": "hello"}),
    ("share", {"officer": "OLIVIA"}),
    ("request_info", {"kind": "identity", "question": "who?"}),
])
def test_officer_posting_an_action_on_anothers_case_gets_404_and_nothing_changes(client, people, cases, action,
                                                                                   data):
    theirs = cases["oscar"]
    data = {k: (people["olivia"].pk if v == "OLIVIA" else v) for k, v in data.items()}
    before = (theirs.history.count(), theirs.timeline.count(), Message.objects.count())
    olivia = client_for(client, people["olivia"])
    url = reverse(f"admin:requests_app_case_{action}", args=[theirs.pk])
    assert olivia.get(url).status_code == 404
    assert olivia.post(url, data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.AWAITING_VERIFICATION and theirs.extended_at is None
    assert (theirs.history.count(), theirs.timeline.count(), Message.objects.count()) == before
    assert not LogEntry.objects.filter(object_id=str(theirs.pk)).exists()


def test_officer_cannot_assign_even_their_own_case(client, people, cases):
    olivia = client_for(client, people["olivia"])
    url = reverse("admin:requests_app_case_assign", args=[cases["olivia_1"].pk])
    assert olivia.post(url, {"assignee": people["olivia"].pk}).status_code == 403


def test_bulk_action_naming_anothers_case_changes_nothing(client, people, cases):
    workbench.case_verify_identity(dsr=cases["oscar"], actor=people["oscar"], method="data_points")
    olivia = client_for(client, people["olivia"])
    response = olivia.post(CHANGELIST, {"action": "start_work_selected", "_selected_action": [cases["oscar"].pk]})
    assert response.status_code in (200, 302)
    cases["oscar"].refresh_from_db()
    assert cases["oscar"].status == Status.VERIFIED


def test_view_only_share_can_look_but_not_act(client, people, cases):
    dsr = cases["oscar"]
    workbench.case_share(dsr=dsr, actor=people["oscar"], user=people["olivia"])
    olivia = client_for(client, people["olivia"])
    page = olivia.get(change_url(dsr))
    assert page.status_code == 200 and "shared with you for viewing only" in page.content.decode()
    assert olivia.post(reverse("admin:requests_app_case_note", args=[dsr.pk]), {"text": "x"}).status_code == 403
    assert not dsr.timeline.filter(kind=TimelineEvent.Kind.NOTE).exists()


def test_inline_querysets_only_hold_visible_cases(people, cases):
    workbench.case_add_note(dsr=cases["oscar"], actor=people["oscar"], text="private to oscar")
    from django.contrib import admin as django_admin

    request = RequestFactory().get("/")
    request.user = people["olivia"]
    inline = TimelineInline(Case, django_admin.site)
    events = inline.get_queryset(request)
    assert set(events.values_list("case_id", flat=True)) == {cases["olivia_1"].pk, cases["olivia_2"].pk}
    assert not inline.has_view_permission(request, cases["oscar"])
    assert inline.has_view_permission(request, cases["olivia_1"])


def test_attachment_download_only_for_officers_with_permission_on_the_case(client, people, cases):
    dsr = cases["oscar"]
    attachment = workbench.case_attach_file(dsr=dsr, actor=people["oscar"],
                                            upload=SimpleUploadedFile("scan.txt", b"confidential"))
    url = reverse("admin:requests_app_case_attachment", args=[dsr.pk, attachment.pk])
    assert client_for(client, people["olivia"]).get(url).status_code == 404
    # The attachment id under a case Olivia may see is still refused: the file is not of that case.
    own = reverse("admin:requests_app_case_attachment", args=[cases["olivia_1"].pk, attachment.pk])
    assert client.get(own).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    response = client_for(client, people["oscar"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"confidential"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- the case page and its flows -----------------------------------------------------------------------


def test_case_page_shows_requester_dates_actions_timeline_history_and_siblings(client, people, cases):
    dsr = cases["olivia_1"]
    sibling = make_case(submission=dsr.submission, right="erasure")
    workbench.case_assign(dsr=sibling, assignee=people["olivia"], actor=people["boss"])
    workbench.case_add_note(dsr=dsr, actor=people["olivia"], text="Called the requester")
    workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="clarification", pause=False,
                                question="Which account?")
    html = client_for(client, people["olivia"]).get(change_url(dsr)).content.decode()
    assert dsr.subject.email in html and "Know what personal information we hold" in html
    assert "2026-04-19" in html and "<strong>Days left</strong>4" in html
    assert 'data-action="resume"' in html and 'data-action="deny"' in html and 'data-action="extend"' in html
    assert 'data-action="complete"' not in html and 'data-action="assign"' not in html
    assert "Called the requester" in html
    message = Message.objects.get(template_key="clarification_request")
    assert "Which account?" in html and message.subject in html
    assert "Assigned to olivia" in html  # the history table: who and why
    assert f"Same submission: <a href=\"{change_url(sibling)}\">{sibling.reference}</a>" in html


def test_extend_through_the_admin_logs_and_notifies(client, people, cases):
    dsr = cases["olivia_1"]
    olivia = client_for(client, people["olivia"])
    url = reverse("admin:requests_app_case_extend", args=[dsr.pk])
    page = olivia.get(url)
    assert "CCPA allows one extension of 45 calendar days" in page.content.decode()
    refused = olivia.post(url, {"reason": ""})
    assert refused.status_code == 400 and "give a reason" in refused.content.decode()
    response = olivia.post(url, {"reason": "Three archives to search"})
    assert response.status_code == 302 and response["Location"] == change_url(dsr)
    dsr.refresh_from_db()
    assert dsr.due_on == dt.date(2026, 6, 3)
    assert Message.objects.get(template_key="extension_notice").to_email == dsr.subject.email
    entry = LogEntry.objects.get(object_id=str(dsr.pk))
    assert entry.user == people["olivia"] and "extended to 2026-06-03" in entry.get_change_message()
    again = olivia.post(url, {"reason": "more"})
    assert again.status_code == 400 and "already extended" in again.content.decode()


def test_pause_refusal_is_shown_with_the_rule(client, people, cases):
    olivia = client_for(client, people["olivia"])
    url = reverse("admin:requests_app_case_request_info", args=[cases["olivia_1"].pk])
    response = olivia.post(url, {"kind": "identity", "question": "Date of birth?", "pause": "on"})
    assert response.status_code == 400
    assert "does not allow pausing" in response.content.decode()


def test_deny_without_ground_is_refused_in_the_admin(client, people, cases):
    olivia = client_for(client, people["olivia"])
    url = reverse("admin:requests_app_case_deny", args=[cases["olivia_1"].pk])
    response = olivia.post(url, {"ground": "", "explanation": "no"})
    assert response.status_code == 400 and "A denial needs one of the CCPA grounds" in response.content.decode()
    cases["olivia_1"].refresh_from_db()
    assert cases["olivia_1"].status == Status.AWAITING_VERIFICATION


def test_supervisor_assigns_in_bulk_and_reports_counts(client, people, cases):
    boss = client_for(client, people["boss"])
    response = boss.post(CHANGELIST, {"action": "assign_selected", "assignee": people["oscar"].pk,
                                      "_selected_action": [cases["unassigned"].pk, cases["olivia_1"].pk,
                                                           cases["oscar"].pk]}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert "Assigned to oscar: 2 case(s)." in texts
    assert any("Refused for 1 case(s)" in t and "already assigned to oscar" in t for t in texts)
    assert set(Case.objects.filter(assignee=people["oscar"]).values_list("pk", flat=True)) == {
        cases["unassigned"].pk, cases["olivia_1"].pk, cases["oscar"].pk}


def test_attach_through_the_admin_stores_privately(client, people, cases, tmp_path):
    dsr = cases["olivia_1"]
    olivia = client_for(client, people["olivia"])
    response = olivia.post(reverse("admin:requests_app_case_attach", args=[dsr.pk]),
                           {"file": SimpleUploadedFile("letter.pdf", b"%PDF"), "description": "letter"})
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get(case=dsr)
    assert attachment.file.path.startswith(str(tmp_path))


def test_manual_entry_through_the_admin(client, people):
    olivia = client_for(client, people["olivia"])
    url = reverse("admin:requests_app_case_add")
    data = {"channel": "phone", "received_at": "2026-04-14 10:00", "email": "caller@example.com",
            "country": "US", "subdivision": "CA", "rights": ["erasure"]}
    refused = olivia.post(url, data)
    assert refused.status_code == 400 and "needs a reason" in refused.content.decode()
    assert not Case.objects.exists()
    response = olivia.post(url, {**data, "backdate_reason": "Voicemail heard this morning"})
    assert response.status_code == 302
    dsr = Case.objects.get()
    # 10:00 in New York (the office's zone) is 14:00 UTC.
    assert dsr.received_at == dt.datetime(2026, 4, 14, 14, 0, tzinfo=dt.UTC)
    assert dsr.channel == "phone"
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.BACKDATED, summary__endswith="Voicemail heard this morning")


def test_dashboard_counts_what_the_user_can_see(client, people, cases):
    with time_machine.travel(dt.datetime(2026, 4, 21, 16, 0, tzinfo=dt.UTC), tick=False):
        html = client_for(client, people["boss"]).get(reverse("admin:index")).content.decode()
        assert '<span class="mp-num" data-count="open">4</span>' in html
        assert '<span class="mp-num" data-count="overdue">4</span>' in html
        assert '<span class="mp-num" data-count="unassigned">1</span>' in html
        assert '<span class="mp-num" data-count="awaiting_verification">4</span>' in html
        assert "<tr><td>olivia</td><td>2</td><td>2</td></tr>" in html
        html = client_for(client, people["olivia"]).get(reverse("admin:index")).content.decode()
        assert '<span class="mp-num" data-count="open">2</span>' in html


def test_message_templates_are_editable_with_history(client, people):
    boss = client_for(client, people["boss"])
    assert boss.get(reverse("admin:outbox_messagetemplate_changelist")).status_code == 200
    template = MessageTemplate.objects.get(key="extension_notice", language="en")
    url = reverse("admin:outbox_messagetemplate_change", args=[template.pk])
    response = boss.post(url, {"description": template.description, "subject": "We need more time ({{ reference }})",
                               "body_text": template.body_text, "body_html": ""})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "We need more time ({{ reference }})"
    assert template.history.first().history_user == people["boss"]
    officer_client = client_for(client, people["olivia"])
    assert officer_client.post(url, {"description": "", "subject": "x", "body_text": "y"}).status_code == 403


def test_superuser_sees_all_and_non_staff_nothing(client, cases):
    root = UserFactory(username="root", is_superuser=True)
    assert listed(client_for(client, root).get(CHANGELIST)) == {dsr.pk for dsr in cases.values()}


def test_every_action_page_and_dashboard_link_renders_for_a_supervisor(client, people):
    from requests_app.admin_views import CASE_ACTIONS
    from requests_app.services.cases import case_create
    from tests.factories import SubmissionFactory

    dsr = case_create(submission=SubmissionFactory(), right="access", regime="hipaa", is_patient=True)
    boss = client_for(client, people["boss"])
    for name in CASE_ACTIONS:
        response = boss.get(reverse(f"admin:requests_app_case_{name}", args=[dsr.pk]))
        assert response.status_code == 200, name
    index = boss.get(reverse("admin:index")).content.decode()
    for query in ("status__in=awaiting_verification,verified,in_progress,awaiting_requester",
                  "assignee=unassigned&amp;status__in", "status__exact=awaiting_verification", "due=overdue"):
        assert query in index
    response = boss.get(CHANGELIST, {"status__in": "awaiting_verification,verified,in_progress,awaiting_requester"})
    assert response.status_code == 200 and listed(response) == {dsr.pk}
    assert boss.get(reverse("admin:requests_app_case_add")).status_code == 200
    page = boss.get(change_url(dsr)).content.decode()
    assert 'data-action="redirect"' in page and 'data-action="assign"' in page
    assert 'data-action="verify"' not in page  # patient requests start verified: the clinic decides


def test_a_malformed_case_id_is_a_404(client, people):
    boss = client_for(client, people["boss"])
    assert boss.get(reverse("admin:requests_app_case_extend", args=["not-a-number"])).status_code == 404
    assert boss.get("/admin/requests_app/case/abc/change/").status_code == 404
