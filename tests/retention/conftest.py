from __future__ import annotations

import importlib

import pytest
from django.apps import apps

_seed_migrations = [importlib.import_module(f"retention.migrations.{name}") for name in (
    "0002_seed_categories_and_default_rules", "0003_seed_consent_ledger_rule")]
_labels_migration = importlib.import_module("retention.migrations.0006_category_labels_from_the_one_list")
_policy_rules_migration = importlib.import_module("retention.migrations.0007_seed_policy_category_rules")
_risk_assessments_migration = importlib.import_module("assessments.migrations.0002_seed_risk_assessments_retention")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded files of retention tests go to a throw-away directory."""
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}


@pytest.fixture(autouse=True)
def _seeded_schedule(request):
    """Restore the migration's seeded categories and rules: a transactional test elsewhere flushes them."""
    names = set(request.fixturenames)
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    for migration in _seed_migrations:
        migration.seed(apps, None)
    _labels_migration.forward(apps, None)
    _policy_rules_migration.seed(apps, None)
    _risk_assessments_migration.seed(apps, None)
