"""The research and AI partners of the privacy policy §4 are in the data map: an opt-out reaches them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fulfilment.models import FulfilmentTask, System
from requests_app.services.intake import submission_create

pytestmark = pytest.mark.django_db

PARTNERS = {"Research partners and collaborators", "AI development partners"}


def test_the_partners_are_seeded_as_third_parties():
    partners = System.objects.filter(name__in=PARTNERS)
    assert {p.name for p in partners} == PARTNERS
    assert {p.role for p in partners} == {"third_party"} and all(p.is_active for p in partners)


@time_machine.travel(dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("relationship", ["website_visitor", "registered_user"])
def test_an_opt_out_creates_a_stop_task_for_each_partner(relationship):
    result = submission_create(rights=["opt_out_sale_sharing"], full_name="Ann Example", email="ann@example.com",
                               relationship=relationship, country="US", subdivision="CA",
                               declaration_accepted=True)
    dsr = result.cases[0]
    tasks = {t.system.name: t.action for t in FulfilmentTask.objects.filter(case=dsr).select_related("system")}
    assert {name: tasks.get(name) for name in PARTNERS} == dict.fromkeys(PARTNERS, "stop_selling_sharing")
