"""The public side: the pre-use notice page, its opt-out link, the form offering ADMT rights where relevant."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admt import services
from tests.admt.helpers import NOW, automated_system, published_notice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _links(html: str) -> dict[str, str]:
    return {title: href.replace("&amp;", "&") for href, title in
            re.findall(r'<a href="([^"]+)" data-right="[a-z_]+">([^<]+)</a>', html)}


def test_the_notice_page_shows_the_published_text_and_an_opt_out_link_naming_what_it_opts_out_of(client):
    entry = automated_system()
    notice = published_notice(entry)
    response = client.get(f"/automated-decisions/{entry.pk}/")
    assert response.status_code == 200
    assert notice.title in response.text and "Version 1, published 1 December 2026." in response.text
    links = _links(response.text)
    opt_out = links["Opt out of automated decision-making by Imaging triage"]
    query = parse_qs(urlparse(opt_out).query)
    assert urlparse(opt_out).path == "/requests/"
    assert query == {"country": ["US"], "subdivision": ["CA"], "right": ["admt_opt_out"], "system": [str(entry.pk)]}
    assert "Ask how Imaging triage was used about you" in links


def test_a_system_relying_on_the_human_appeal_exception_offers_the_appeal_instead(client):
    entry = automated_system(exception="human_appeal")
    published_notice(entry)
    links = _links(client.get(f"/automated-decisions/{entry.pk}/").text)
    assert "Appeal a decision made with Imaging triage to a human reviewer" in links
    assert not any(title.startswith("Opt out") for title in links)


def test_drafts_are_not_public_and_old_versions_stay_readable_without_links(client):
    entry = automated_system()
    assert client.get(f"/automated-decisions/{entry.pk}/").status_code == 404
    first = published_notice(entry)
    second = services.notice_draft_create(automated_system=entry, actor=None, title="Version two", body="New text")
    assert client.get(f"/automated-decisions/{entry.pk}/v2/").status_code == 404  # a draft
    services.notice_publish(notice=second, actor=None)
    current = client.get(f"/automated-decisions/{entry.pk}/")
    assert "Version two" in current.text and first.title not in current.text
    old = client.get(f"/automated-decisions/{entry.pk}/v1/")
    assert old.status_code == 200 and "A newer version replaces this one:" in old.text and not _links(old.text)


def test_the_opt_out_link_opens_the_form_with_the_right_and_the_system_preselected(client):
    entry = automated_system()
    published_notice(entry)
    response = client.get(f"/requests/?country=US&subdivision=CA&right=admt_opt_out&system={entry.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["rights"] == ["admt_opt_out"] and form.initial["admt_system"] == entry.pk
    assert 'value="admt_opt_out"' in response.text and "Imaging triage" in response.text


def test_the_form_offers_admt_rights_only_where_the_register_makes_them_relevant(client):
    rights = lambda: dict(client.get("/requests/?country=US&subdivision=CA").context["form"].fields["rights"].choices)  # noqa: E731
    assert not {"admt_opt_out", "admt_access", "admt_appeal"} & set(rights())
    automated_system()
    assert {"admt_opt_out", "admt_access"} <= set(rights()) and "admt_appeal" not in rights()
    # Profiling: the five states; not California.
    colorado = dict(client.get("/requests/?country=US&subdivision=CO").context["form"].fields["rights"].choices)
    assert {"profiling_opt_out", "admt_explanation", "admt_human_review"} <= set(colorado)
    virginia = dict(client.get("/requests/?country=US&subdivision=VA").context["form"].fields["rights"].choices)
    assert "profiling_opt_out" in virginia and "admt_opt_out" not in virginia


def test_intake_refuses_an_admt_right_no_system_uses_for_the_requesters_relationship(client):
    automated_system(relationships=["clinician"])
    response = client.post("/requests/", {
        "country": "US", "subdivision": "CA", "rights": ["admt_opt_out"], "full_name": "Ann Example",
        "email": "ann@example.com", "relationship": "website_visitor", "declaration": "on"})
    assert response.status_code == 400
    assert ("None of our automated systems uses information about a website visitor for: Opt out of automated "
            "decision-making about me (ADMT).") in response.text


@pytest.fixture
def fuzzed_system():
    entry = automated_system(name="Fuzzed")
    published_notice(entry)
    return entry


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(system=st.one_of(st.text(max_size=30), st.sampled_from(["²", "١", "9" * 30, "-1", "0"])),
       version=st.integers(min_value=0, max_value=2**40),
       right=st.text(max_size=30), country=st.sampled_from(["US", "DE", "", "XX"]),
       subdivision=st.sampled_from(["CA", "CO", "", "ZZ"]))
def test_public_admt_inputs_never_produce_a_500(client, fuzzed_system, system, version, right, country,
                                                subdivision):
    """The notice page, the form's right and system parameters and the posted system: 200/302/400/404 only."""
    assert client.get(f"/automated-decisions/{fuzzed_system.pk}/v{version}/").status_code in (200, 404)
    assert client.get(f"/automated-decisions/{version}/").status_code in (200, 404)
    response = client.get("/requests/", {"country": country, "subdivision": subdivision, "right": right,
                                         "system": system})
    assert response.status_code in (200, 400)
    post = client.post("/requests/", {"country": "US", "subdivision": "CA", "rights": ["admt_opt_out"],
                                      "admt_system": system, "full_name": "A", "email": "a@example.com",
                                      "relationship": "website_visitor", "declaration": "on"})
    assert post.status_code in (302, 400, 429)
