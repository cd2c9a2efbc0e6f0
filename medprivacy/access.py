"""The one permission layer: which cases, and which records of a case, a user may see or work on.

Every officer-side read of cases, fulfilment tasks, access packages, messages, timeline rows and attachments
is scoped here. A case is visible to superusers and to holders of `requests_app.view_all_cases`
(supervisors); anyone else sees exactly the cases a django-guardian object permission grants to them or to
one of their groups. Supervisors are recognised by that permission, never by the name of a group.

This module sits at the bottom of the import graph, below the apps whose records it scopes: it filters the
querysets it is given, following a record's foreign key to its case (`case_path`), and names the case model
only by its app label, so fulfilment and the outbox can scope their reads without importing the case app.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, Q, QuerySet
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

CASE_MODEL = "requests_app.Case"
VIEW_ALL_CASES = "requests_app.view_all_cases"
ASSIGN_CASES = "requests_app.assign_case"
CHANGE_CASE = "requests_app.change_case"
# Holders see every person's consent ledger and proof without seeing their cases (a consent manager).
VIEW_ALL_CONSENTS = "consents.view_all_consents"
PERMS = ("view", "change")


def _case_model() -> type[Model]:
    return apps.get_model(CASE_MODEL)


def _is_staff(user: AbstractBaseUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def user_sees_all_cases(*, user: AbstractBaseUser | None) -> bool:
    """Return whether the user sees every case (superusers and holders of view_all_cases: supervisors)."""
    return _is_staff(user) and (user.is_superuser or user.has_perm(VIEW_ALL_CASES))


def user_is_supervisor(*, user: AbstractBaseUser | None) -> bool:
    """Return whether the user supervises the office (may override, reassign, see all): by permission."""
    return user_sees_all_cases(user=user)


def user_can_assign(*, user: AbstractBaseUser | None) -> bool:
    return _is_staff(user) and user.has_perm(ASSIGN_CASES)


def _granted(perm: str) -> Q:
    """The users holding `perm` ("app_label.codename") directly or through a group."""
    app_label, codename = perm.split(".")
    perms = apps.get_model("auth.Permission").objects.filter(codename=codename, content_type__app_label=app_label)
    return Q(user_permissions__in=perms.values("pk")) | Q(groups__permissions__in=perms.values("pk"))


def case_workers() -> QuerySet:
    """Return the users cases may be assigned to (active staff who may change cases), by username."""
    user_model = get_user_model()
    return (user_model.objects.filter(is_active=True, is_staff=True)
            .filter(_granted(CHANGE_CASE) | Q(is_superuser=True))
            .distinct().order_by(user_model.USERNAME_FIELD))


def supervisors() -> QuerySet:
    """Return the active users who supervise the office (hold view_all_cases), e.g. reminder recipients."""
    return get_user_model().objects.filter(is_active=True).filter(_granted(VIEW_ALL_CASES)).distinct()


def user_is_case_worker(*, user: AbstractBaseUser | None) -> bool:
    """Return whether cases may be assigned to this user."""
    return _is_staff(user) and case_workers().filter(pk=user.pk).exists()


def cases_for_user(*, user: AbstractBaseUser | None, perm: str = "view") -> QuerySet:
    """Return the cases `user` may view (perm="view") or work on (perm="change").

    Officers get exactly the cases with a guardian object permission for them or one of their groups;
    the model-level view/change permission that lets them into the admin is deliberately ignored.
    """
    if perm not in PERMS:
        raise ValueError(f"perm must be 'view' or 'change'; got {perm!r}")
    case_model = _case_model()
    if not _is_staff(user):
        return case_model.objects.none()
    if user_sees_all_cases(user=user) and (perm == "view" or user.is_superuser or user.has_perm(CHANGE_CASE)):
        return case_model.objects.all()
    return case_model.objects.filter(pk__in=_granted_case_ids(user=user, perm=perm))


def _granted_case_ids(*, user: AbstractBaseUser, perm: str) -> QuerySet:
    """The ids of the cases a guardian object permission grants to `user` or one of their groups.

    One `UNION ALL` subquery over the two direct-foreign-key permission tables, each read from its unique
    index (user or group, permission, case): PostgreSQL hashes the few thousand ids and fetches those
    cases by primary key. (Guardian's `get_objects_for_user` ORs two IN-subqueries instead, which
    PostgreSQL can only answer by filtering every case.)
    """
    case_model = _case_model()
    content_type = apps.get_model("contenttypes.ContentType").objects.get_for_model(case_model)  # cached
    permission = {"permission__codename": f"{perm}_case", "permission__content_type": content_type}
    direct = get_user_obj_perms_model(case_model).objects.filter(user=user, **permission)
    through_groups = get_group_obj_perms_model(case_model).objects.filter(
        group__in=user.groups.through.objects.filter(user=user).values("group_id"), **permission)
    return direct.values("content_object_id").union(through_groups.values("content_object_id"), all=True)


def scope_to_cases(queryset: QuerySet, *, user: AbstractBaseUser | None, perm: str = "view",
                   case_path: str = "case") -> QuerySet:
    """Narrow `queryset` to the records whose case (reached through `case_path`) the user may view/change."""
    return queryset.filter(**{f"{case_path}__in": cases_for_user(user=user, perm=perm).values("pk")})


def case_get_for_user(*, user: AbstractBaseUser | None, pk: object, perm: str = "view") -> Model:
    """Return one case the user may view/change, or raise Case.DoesNotExist (also for a malformed id)."""
    case_model = _case_model()
    try:
        return cases_for_user(user=user, perm=perm).select_related("subject", "submission", "assignee").get(pk=pk)
    except (ValueError, TypeError):
        raise case_model.DoesNotExist(f"no case {pk!r}") from None


def case_can_view(*, user: AbstractBaseUser | None, dsr: Model) -> bool:
    return cases_for_user(user=user, perm="view").filter(pk=dsr.pk).exists()


def case_can_change(*, user: AbstractBaseUser | None, dsr: Model) -> bool:
    return cases_for_user(user=user, perm="change").filter(pk=dsr.pk).exists()


def subjects_for_user(*, user: AbstractBaseUser | None, all_perm: str | None = None) -> QuerySet:
    """Return the ids (a values queryset) of the data subjects the user may see: the people of their cases.

    Supervisors (and holders of `all_perm`, e.g. VIEW_ALL_CONSENTS for the consent ledger) see everyone.
    """
    subject_model = apps.get_model("subjects.DataSubject")
    if not _is_staff(user):
        return subject_model.objects.none().values("pk")
    if user_sees_all_cases(user=user) or (all_perm and user.has_perm(all_perm)):
        return subject_model.objects.values("pk")
    return cases_for_user(user=user).values("subject_id")


def user_sees_all_people(*, user: AbstractBaseUser | None, all_perm: str | None = None) -> bool:
    return _is_staff(user) and (user_sees_all_cases(user=user) or bool(all_perm and user.has_perm(all_perm)))


def scope_to_subjects(queryset: QuerySet, *, user: AbstractBaseUser | None, subject_path: str = "subject",
                      all_perm: str | None = None) -> QuerySet:
    """Narrow `queryset` to records of people the user may see (see `subjects_for_user`).

    Records with no person (e.g. a browser's consent) are personal data of nobody the officer works for:
    only those who see everyone get them.
    """
    if not _is_staff(user):
        return queryset.none()
    if user_sees_all_people(user=user, all_perm=all_perm):
        return queryset
    return queryset.filter(**{f"{subject_path}__in": subjects_for_user(user=user, all_perm=all_perm)})
