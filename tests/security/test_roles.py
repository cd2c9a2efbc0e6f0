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


@pytest.mark.django_db
def test_ensuring_the_roles_reads_all_their_permissions_at_once(django_assert_max_num_queries):
    """It runs after every app's migrations and every test-database flush: a read per permission (over a
    hundred) made each run take a quarter of a second."""
    officers = Group.objects.get(name=roles.OFFICERS)
    officers.permissions.clear()  # something to repair
    with django_assert_max_num_queries(12):
        roles.ensure_roles()
    for name, perms in roles.ROLE_PERMISSIONS.items():
        assert _granted(name) == set(perms), name


@pytest.mark.django_db
def test_a_permission_that_does_not_exist_is_refused_unless_migrating(monkeypatch):
    from django.contrib.auth.models import Permission

    monkeypatch.setitem(roles.ROLE_PERMISSIONS, roles.OFFICERS,
                        (*roles.ROLE_PERMISSIONS[roles.OFFICERS], "requests_app.fly_case"))
    with pytest.raises(Permission.DoesNotExist, match="requests_app.fly_case"):
        roles.ensure_roles()
    groups = roles.ensure_roles(strict=False)  # during migrate: skipped, the rest granted
    assert _granted(roles.OFFICERS) == set(roles.ROLE_PERMISSIONS[roles.OFFICERS]) - {"requests_app.fly_case"}
    assert set(groups) == {roles.OFFICERS, roles.SUPERVISORS}
