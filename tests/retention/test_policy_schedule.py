"""Every data category of the privacy policy §2 has a retention rule; legal minimums cannot be undercut."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from medprivacy import roles
from retention.minimums import LEGAL_MINIMUMS
from retention.models import DataCategory, RetentionRule
from retention.services import retention_rule_save
from tests.factories import supervisor

pytestmark = pytest.mark.django_db

# The policy §2: (a) 11 categories of visitors and users, (b) 6 of patients, (c) 2 of clinicians/organizations.
POLICY_CATEGORIES = {
    "contact_identification", "account", "payment", "usage", "device", "location", "search_browse_history",
    "clickstream", "social_media", "advertising", "third_party",
    "patient_medical_images", "patient_identifiers", "patient_demographics", "patient_clinical", "patient_genetic",
    "patient_other_health",
    "clinician_professional", "organization_information",
}


def test_each_of_the_policys_19_categories_has_an_active_rule_with_a_basis():
    assert len(POLICY_CATEGORIES) == 19
    policy = DataCategory.objects.exclude(source=DataCategory.Source.PORTAL).exclude(source="other")
    assert set(policy.values_list("code", flat=True)) == POLICY_CATEGORIES
    rules = {rule.category.code: rule for rule in RetentionRule.objects.filter(is_active=True)
             .select_related("category")}
    assert POLICY_CATEGORIES <= set(rules)
    for code in POLICY_CATEGORIES:
        assert "Policy §" in rules[code].legal_basis, code
        assert rules[code].history.filter(history_change_reason="Seeded default (migration)").exists()
    # Patient data belongs to the clinic's agreement: reviewed, never deleted blindly.
    assert {rules[code].action for code in POLICY_CATEGORIES if code.startswith("patient_")} == {"flag_for_review"}


def _set(code: str, **changes) -> RetentionRule:
    rule = RetentionRule.objects.get(category__code=code, is_active=True)
    for name, value in changes.items():
        setattr(rule, name, value)
    return retention_rule_save(rule=rule, actor=None, reason="Test")


@pytest.mark.parametrize(("changes", "message"), [
    ({"period": 1, "period_unit": "months"}, "at least 24 months; 1 months is less"),
    ({"period": 23, "period_unit": "months"}, "at least 24 months"),
    ({"period": 700, "period_unit": "days"}, "at least 24 months; 700 days is less"),
    ({"event": "collection"}, "runs from case closure"),
])
def test_the_request_records_rule_refuses_less_than_24_months(changes, message):
    with pytest.raises(ValidationError) as err:
        _set("privacy_request_records", **changes)
    assert message in err.value.message_dict["period"][0] and "§7101" in err.value.message_dict["period"][0]
    rule = RetentionRule.objects.get(category__code="privacy_request_records", is_active=True)
    assert (rule.period, rule.period_unit, rule.event) == (24, "months", "case_closure")


def test_longer_periods_and_reviews_are_accepted():
    assert _set("privacy_request_records", period=36).period == 36
    assert _set("privacy_request_records", period=744, period_unit="days").period == 744
    assert _set("unverified_requests", period=1, period_unit="days", action="flag_for_review").period == 1


def test_unverified_requests_cannot_go_back_to_30_days():
    with pytest.raises(ValidationError, match="§7102"):
        _set("unverified_requests", period=30, period_unit="days")


def test_every_minimum_names_a_seeded_category():
    assert set(LEGAL_MINIMUMS) <= set(DataCategory.objects.values_list("code", flat=True))


def test_the_admin_form_shows_the_minimum(client):
    roles.ensure_roles()
    client.force_login(supervisor())
    rule = RetentionRule.objects.get(category__code="privacy_request_records", is_active=True)
    response = client.post(f"/admin/retention/retentionrule/{rule.pk}/change/", {
        "category": rule.category_id, "period": 1, "period_unit": "months", "event": "case_closure",
        "action": "delete", "legal_basis": rule.legal_basis, "is_active": "on", "change_reason": "Shorter",
    })
    assert response.status_code == 200
    assert "Keep this category at least 24 months" in response.content.decode()
    rule.refresh_from_db()
    assert rule.period == 24
