"""One list of data categories: the retention schedule and the data map read the same codes and labels."""

from __future__ import annotations

import pytest

from fulfilment.models import System
from fulfilment.rules import CATEGORY_CHOICES, RELATIONSHIP_CATEGORIES
from retention import registry
from retention.categories import CATEGORIES, PATIENTS, PORTAL
from retention.models import DataCategory

pytestmark = pytest.mark.django_db


def test_every_seeded_category_has_the_label_of_the_one_list():
    seeded = dict(DataCategory.objects.values_list("code", "name"))
    assert seeded == {code: category.label for code, category in CATEGORIES.items()}


def test_the_schedule_groups_categories_as_the_list_does():
    groups = dict(DataCategory.objects.values_list("code", "source"))
    assert {code for code, group in groups.items() if group == PATIENTS} == {
        "patient_medical_images", "patient_identifiers", "patient_demographics", "patient_clinical",
        "patient_genetic"}
    assert groups["privacy_request_records"] == PORTAL == CATEGORIES["privacy_request_records"].group


def test_the_data_map_offers_and_holds_only_categories_of_the_list():
    assert dict(CATEGORY_CHOICES) == {code: category.label for code, category in CATEGORIES.items()}
    assert set().union(*RELATIONSHIP_CATEGORIES.values()) <= set(CATEGORIES)
    held = {code for codes in System.objects.values_list("categories", flat=True) for code in codes}
    assert held and held <= set(CATEGORIES)


def test_every_retention_target_names_a_category_of_the_list():
    assert {target.category for target in registry.targets()} <= set(CATEGORIES)
