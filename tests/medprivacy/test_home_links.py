"""The homepage carries the links the CCPA requires, titled exactly, and they lead to working requests."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine

from requests_app.models import Case
from requests_app.workflow import Status

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)


def _links(html: str) -> dict[str, str]:
    return {unescape(title): unescape(href) for href, title in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)}


@pytest.mark.parametrize(("title", "right"), [
    ("Do Not Sell or Share My Personal Information", "opt_out_sale_sharing"),
    ("Limit the Use of My Sensitive Personal Information", "limit_sensitive"),
])
@time_machine.travel(NOW, tick=False)
def test_the_homepage_link_leads_to_a_working_request(client, title, right):
    links = _links(client.get("/").content.decode())
    assert title in links

    form_page = client.get(links[title])
    assert form_page.status_code == 200
    html = form_page.content.decode()
    assert "California, United States" in html
    ticked = re.findall(r'<input type="checkbox" name="rights" value="([a-z_]+)"[^>]*checked', html)
    assert ticked == [right]

    response = client.post("/requests/", {
        "country": "US", "subdivision": "CA", "rights": [right], "full_name": "Ann Example",
        "email": "ann@example.com", "relationship": "website_visitor", "declaration": "on",
    })
    assert response.status_code == 302
    dsr = Case.objects.get(right=right)
    # Opt-out and limit need no verification: the case starts at once (RULES.md §3).
    assert dsr.regime == "ccpa" and dsr.status == Status.VERIFIED


def test_an_unknown_right_in_the_link_ticks_nothing(client):
    html = client.get("/requests/", {"country": "US", "subdivision": "CA", "right": "sell_everything"}).content
    assert b"checked" not in html
