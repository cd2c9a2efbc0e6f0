"""The AI register: what an entry must say, when it is ADMT, and pre-use notices that never change once published."""

import pytest
import time_machine

from admt import services
from admt.models import AutomatedSystem, PreUseNotice
from tests.admt.helpers import NOW, automated_system, clinic, data_map_system, published_notice
from tests.factories import supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_system_without_a_qualifying_human_is_admt():
    entry = automated_system()
    assert entry.is_admt is True
    reviewed = automated_system(name="Reviewed scoring", humans_qualify=True)
    assert reviewed.human_meets_conditions and reviewed.is_admt is False


def test_a_clinics_system_must_name_the_clinic_and_ours_must_not():
    with pytest.raises(services.AdmtError, match="Name the clinic"):
        automated_system(company_role="service_provider")
    with pytest.raises(services.AdmtError, match="only when we are its service provider"):
        automated_system(name="Other", clinic=clinic())
    assert AutomatedSystem.objects.count() == 0


def test_the_human_appeal_exception_needs_a_reviewer_meeting_all_three_conditions():
    entry = AutomatedSystem(system=data_map_system("x"), public_name="X", specific_purpose="p",
                            significant_decision=True, decision_kind="healthcare", relationships=["patient"],
                            logic="l", output="o", output_use="u", exception="human_appeal",
                            human_can_interpret=True, human_reviews_other_information=True)
    with pytest.raises(services.AdmtError, match="three conditions"):
        services.automated_system_save(automated_system=entry, actor=None)


def test_unknown_categories_and_relationships_are_refused():
    entry = AutomatedSystem(system=data_map_system("y"), public_name="Y", specific_purpose="p",
                            input_categories=["no_such_category"], relationships=["alien"],
                            logic="l", output="o", output_use="u")
    with pytest.raises(services.AdmtError, match="Unknown data categories: no_such_category"):
        services.automated_system_save(automated_system=entry, actor=None)


def test_register_changes_are_in_history_with_who_and_why():
    boss = supervisor()
    entry = automated_system()
    entry.future_uses = "Triage of ultrasound studies from 2028."
    services.automated_system_save(automated_system=entry, actor=boss, reason="Planned use added")
    latest = entry.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.future_uses) == (
        boss, "Planned use added", "Triage of ultrasound studies from 2028.")


def test_notices_are_versioned_and_a_published_one_never_changes():
    boss = supervisor()
    entry = automated_system()
    first = services.notice_draft_create(automated_system=entry, actor=boss)
    assert first.version == 1 and "ranks imaging studies" in first.body and "not retaliate" in first.body
    services.notice_edit(notice=first, actor=boss, title="Imaging triage notice", body="Draft text")
    services.notice_publish(notice=first, actor=boss)
    with pytest.raises(services.AdmtError, match="Version 1 is published and cannot change: start a new version"):
        services.notice_edit(notice=first, actor=boss, title="Changed", body="Changed")
    with pytest.raises(services.AdmtError, match="already published"):
        services.notice_publish(notice=first, actor=boss)
    first.refresh_from_db()
    assert (first.title, first.body, first.published_by) == ("Imaging triage notice", "Draft text", boss)
    second = services.notice_draft_create(automated_system=entry, actor=boss)
    assert second.version == 2 and second.published_at is None
    assert [h.history_change_reason for h in PreUseNotice.history.filter(id=first.pk).order_by("history_date")] == [
        "Draft version 1", "Draft edited", "Published version 1"]


def test_a_notice_of_a_system_no_longer_in_use_cannot_be_published():
    entry = automated_system()
    draft = services.notice_draft_create(automated_system=entry, actor=None)
    entry.is_active = False
    services.automated_system_save(automated_system=entry, actor=None, reason="Retired")
    with pytest.raises(services.AdmtError, match="no longer in use"):
        services.notice_publish(notice=draft, actor=None)


def test_production_needs_no_seeder_the_register_starts_empty_and_the_page_says_so(client):
    response = client.get("/automated-decisions/")
    assert response.status_code == 200
    assert "We do not use automated decision-making technology for significant decisions." in response.text
    published_notice(automated_system())
    assert "Notice about automated decision-making: Imaging triage" in client.get("/automated-decisions/").text
