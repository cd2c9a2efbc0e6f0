"""The case list's queries at scale: scoping, order, counts, search and the assignee search box, each served by
an index (plans checked on PostgreSQL with sequential scans and sorts priced out)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medprivacy import access, roles
from medprivacy.pagination import LargeTablePaginator, planner_row_estimate
from requests_app import selectors
from requests_app.admin import CaseAdmin
from requests_app.models import CASE_LIST_ORDER, Case, open_rank
from requests_app.services import workbench
from tests.conftest import require_postgres
from tests.factories import UserFactory, make_case, officer, supervisor

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 4, 15, 16, 0, tzinfo=dt.UTC)
CHANGELIST = reverse("admin:requests_app_case_changelist")


@pytest.fixture(autouse=True)
def _frozen(db, settings):
    roles.ensure_roles()
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world():
    boss, olivia, oscar = supervisor("boss"), officer("olivia"), officer("oscar")
    legal = Group.objects.create(name="Legal")
    olivia.groups.add(legal)
    mine = [workbench.case_assign(dsr=make_case(), assignee=olivia, actor=boss) for _ in range(2)]
    shared = workbench.case_assign(dsr=make_case(), assignee=oscar, actor=boss)
    workbench.case_share(dsr=shared, actor=boss, group=legal, reason="Litigation hold check")
    theirs = workbench.case_assign(dsr=make_case(), assignee=oscar, actor=boss)
    return {"boss": boss, "olivia": olivia, "oscar": oscar, "mine": mine, "shared": shared, "theirs": theirs}


def plan(queryset, *, no_sort: bool = False, bitmap_only: bool = False) -> str:
    """EXPLAIN with sequential scans (and optionally sorts, or whole-index walks) priced out: what indexes can
    serve, they do (on a tiny test table the planner would otherwise walk any index or scan the table)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if no_sort:
            cursor.execute("SET LOCAL enable_sort = off")
        if bitmap_only:  # only an index with a condition on the search can answer: the trigram index
            cursor.execute("SET LOCAL enable_indexscan = off")
        return queryset.explain()


# --- scoping ---------------------------------------------------------------------------------------------


def test_officer_sees_own_cases_and_cases_shared_with_their_group_nothing_else(world):
    seen = set(access.cases_for_user(user=world["olivia"]).values_list("pk", flat=True))
    assert seen == {world["mine"][0].pk, world["mine"][1].pk, world["shared"].pk}
    workable = set(access.cases_for_user(user=world["olivia"], perm="change").values_list("pk", flat=True))
    assert workable == {world["mine"][0].pk, world["mine"][1].pk}  # the group share is view only
    world["olivia"].groups.remove(Group.objects.get(name="Legal"))
    assert world["shared"].pk not in set(access.cases_for_user(user=world["olivia"]).values_list("pk", flat=True))


def test_scope_is_one_union_subquery_not_an_or_of_two(world):
    sql = str(access.cases_for_user(user=world["olivia"]).query)
    assert sql.count("UNION ALL") == 1
    assert " OR " not in sql


def test_officer_scope_reads_cases_by_primary_key_not_by_scanning(world):
    require_postgres()
    explained = plan(access.cases_for_user(user=world["olivia"]))
    assert "Seq Scan on requests_app_case " not in explained
    assert "requests_app_case_pkey" in explained


# --- the default order and the counts ------------------------------------------------------------------


def test_default_order_is_read_from_the_open_first_index(world):
    require_postgres()
    page = (access.cases_for_user(user=world["boss"]).alias(open_rank=open_rank())
            .order_by(*CASE_LIST_ORDER).values_list("pk", flat=True)[:50])
    explained = plan(page, no_sort=True)
    assert "case_open_first" in explained and "Sort" not in explained


def test_open_statuses_in_the_order_are_sorted_so_the_sql_never_varies():
    sql = str(Case.objects.alias(open_rank=open_rank()).order_by("open_rank").query)
    listed = sql.split(" IN (")[1].split(")")[0].replace("'", "").split(", ")
    assert listed == sorted(listed) and len(listed) == 5


def test_list_shows_no_full_count_and_estimates_large_counts(world, client):
    require_postgres()
    assert CaseAdmin.show_full_result_count is False
    queryset = Case.objects.all()
    estimated = LargeTablePaginator(queryset, 50)
    estimated.exact_count_below = 0  # any estimate is "large"
    assert estimated.count == planner_row_estimate(queryset)
    assert LargeTablePaginator(queryset, 50).count == Case.objects.count() == 4  # small: exact


def test_a_page_is_fetched_by_its_keys_in_the_lists_order(world):
    for _ in range(5):
        make_case()
    queryset = Case.objects.alias(open_rank=open_rank()).select_related("subject").order_by("-due_on", "-pk")
    paginator = LargeTablePaginator(queryset, 3)
    assert [c.pk for c in paginator.page(2).object_list] == [c.pk for c in queryset[3:6]]
    assert [c.pk for c in paginator.page(3).object_list] == [c.pk for c in queryset[6:9]]


def test_an_exact_count_reads_the_hinted_pages_keys_in_the_same_statement(world, django_assert_num_queries):
    for _ in range(5):
        make_case()
    queryset = Case.objects.alias(open_rank=open_rank()).select_related("subject").order_by("-due_on", "-pk")
    total = queryset.count()
    paginator = LargeTablePaginator(queryset, 3, page_hint=2)
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):  # EXPLAIN, then count + keys
        assert paginator.count == total
    expected = [c.pk for c in queryset[3:6]]
    with django_assert_num_queries(1):  # only the page's rows by their keys
        assert [c.pk for c in paginator.page(2).object_list] == expected
    assert [c.pk for c in paginator.page(1).object_list] == [c.pk for c in queryset[0:3]]  # another page: its keys
    beyond = LargeTablePaginator(queryset, 3, page_hint=99)
    assert beyond.count == total  # no rows on the hinted page: counted the usual way


def test_the_case_list_counts_and_pages_in_one_statement(world, client):
    require_postgres()
    for _ in range(60):
        make_case()
    client.force_login(world["boss"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, {"state": "all", "p": "2"})
    assert response.status_code == 200 and len(response.context["cl"].result_list) == Case.objects.count() - 50
    statements = [q["sql"] for q in ctx.captured_queries]
    assert any("COUNT(*) OVER ()" in sql for sql in statements)
    assert not any(sql.startswith('SELECT COUNT(*) AS "__count" FROM "requests_app_case"') for sql in statements)


# --- search ------------------------------------------------------------------------------------------------


def test_search_by_whole_reference_is_exact_and_case_insensitive(world):
    target = world["theirs"]
    found = selectors.cases_search(Case.objects.all(), term=f" {target.reference.lower()} ")
    assert list(found) == [target]
    require_postgres()
    assert "case_reference_upper" in plan(found)


def test_search_by_fragment_uses_the_trigram_index_and_short_fragments_match_nothing(world):
    target = world["theirs"]
    fragment = target.reference[-4:]
    assert target in selectors.cases_search(Case.objects.all(), term=fragment)
    assert not selectors.cases_search(Case.objects.all(), term=target.reference[-2:]).exists()
    require_postgres()
    explained = plan(selectors.cases_search(Case.objects.all(), term=fragment).order_by(), bitmap_only=True)
    assert "Bitmap Index Scan on case_reference_trgm" in explained


def test_search_by_email_reads_the_keyed_hash_index(world):
    target = world["theirs"]
    found = selectors.cases_search(Case.objects.all(), term=target.subject.email.upper())
    assert list(found) == [target]
    require_postgres()
    assert "Seq Scan on subjects_datasubject" not in plan(found)


def test_officer_search_never_finds_another_officers_case(world, client):
    client.force_login(world["olivia"])
    response = client.get(CHANGELIST, {"q": world["theirs"].reference})
    assert list(response.context["cl"].result_list) == []


# --- the assignee filter: a search box, not a list of every worker --------------------------------------


def test_assignee_filter_lists_no_workers_but_shows_the_chosen_one(world, client):
    for n in range(5):
        officer(f"worker{n}")
    client.force_login(world["boss"])
    html = client.get(CHANGELIST).content.decode()
    assert "worker3" not in html and 'id="mp-assignee-search"' in html
    response = client.get(CHANGELIST, {"assignee": str(world["oscar"].pk)})
    assert {c.pk for c in response.context["cl"].result_list} == {world["shared"].pk, world["theirs"].pk}
    assert ">oscar</a>" in response.content.decode()


def test_assignee_search_answers_case_workers_by_name_prefix_only(world, client):
    UserFactory(username="osborne", is_staff=False)  # not staff: never a case worker
    inactive = officer("oswald")
    inactive.is_active = False
    inactive.save()
    client.force_login(world["boss"])
    answer = json.loads(client.get(reverse("admin:requests_app_case_assignees"), {"term": "OS"}).content)
    assert answer == {"results": [{"id": str(world["oscar"].pk), "text": "oscar"}], "pagination": {"more": False}}


def test_assignee_search_is_for_staff_who_may_see_cases(world, client):
    url = reverse("admin:requests_app_case_assignees")
    assert client.get(url, {"term": "o"}).status_code == 302  # to the admin login
    client.force_login(UserFactory(username="temp", is_staff=True))  # staff without the case permissions
    assert client.get(url, {"term": "o"}).status_code == 403
