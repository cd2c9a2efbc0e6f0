"""A deploy that runs only `migrate` has both roles with their permissions (post_migrate)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from medprivacy import roles


def _granted(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_the_freshly_migrated_test_database_has_the_roles_without_any_seeder():
    # pytest-django built this database with `migrate` alone; nothing in this test creates groups.
    for name, perms in roles.ROLE_PERMISSIONS.items():
        assert _granted(name) == set(perms), name


@pytest.mark.django_db(transaction=True)
def test_migrate_restores_the_roles():
    Group.objects.all().delete()
    call_command("migrate", verbosity=0, interactive=False)
    for name, perms in roles.ROLE_PERMISSIONS.items():
        assert _granted(name) == set(perms), name
