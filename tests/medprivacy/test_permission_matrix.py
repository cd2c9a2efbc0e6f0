"""The permission matrix: nobody reaches a person or case they may not see, through any admin URL.

Every URL the admin registers is discovered from the admin registry (each ModelAdmin's `get_urls()`, the
site's own views) and asked for by four clients: an officer who shares one case with the canary's officer,
a staff user without any group, an anonymous client, and (as the control that keeps the test honest) the
canary's own officer. Object ids in the URLs are filled with the canary's own records wherever the model
has a path to the canary's case or person, so every detail, history, proof, download and custom page is
tried against the canary. A page passes when none of the canary's identifying values appear in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from consents import services as consents_services
from consents.models import Kind, Source
from medprivacy import roles
from requests_app.models import Case
from requests_app.services import workbench
from requests_app.services.intake import submission_create
from retention import services as retention_services
from tests.factories import UserFactory, officer, supervisor

pytestmark = pytest.mark.django_db

CANARY_NAME = "Zebulon Canaryfield"
CANARY_EMAIL = "zebulon.canaryfield@example.org"
CANARY_HOLD_REASON = "Canaryfield litigation, docket 4471"
SHARED_NAME = "Sharon Sharedcase"


class World:
    def __init__(self) -> None:
        roles.ensure_roles()
        self.boss = supervisor("boss")
        self.olivia = officer("olivia")
        self.oscar = officer("oscar")
        self.plain = UserFactory(username="plain")  # staff, no group, no permission
        canary = submission_create(
            rights=["access", "erasure"], full_name=CANARY_NAME, email=CANARY_EMAIL, relationship="website_visitor",
            country="US", subdivision="CA", declaration_accepted=True,
            details=f"Please find everything about {CANARY_NAME}.")
        self.cases = list(canary.cases)
        self.subject = canary.submission.subject
        for dsr in self.cases:
            workbench.case_assign(dsr=dsr, assignee=self.olivia, actor=self.boss)
        self.case = self.cases[0]
        workbench.case_add_note(dsr=self.case, actor=self.olivia, text=f"Called {CANARY_NAME} back.")
        workbench.case_attach_file(dsr=self.case, actor=self.olivia, description="ID check",
                                   upload=SimpleUploadedFile("id.pdf", b"%PDF-1.7\n%%EOF\n",
                                                             content_type="application/pdf"))
        consents_services.consent_record(subject=self.subject, purpose="marketing_email", kind=Kind.GIVEN,
                                         source=Source.PREFERENCE_CENTER)
        self.hold = retention_services.legal_hold_place(scope="case", case=self.case, reason=CANARY_HOLD_REASON,
                                                        owner=self.olivia, actor=self.boss)
        self.reference = self.case.reference
        shared = submission_create(
            rights=["access"], full_name=SHARED_NAME, email="sharon@example.org", relationship="website_visitor",
            country="US", subdivision="CA", declaration_accepted=True)
        self.shared_case = shared.cases[0]
        workbench.case_assign(dsr=self.shared_case, assignee=self.olivia, actor=self.boss)
        workbench.case_share(dsr=self.shared_case, actor=self.olivia, user=self.oscar)

    @property
    def canaries(self) -> tuple[str, ...]:
        # The reference is searched for too: it names the case (and, with the subject, the person).
        return (CANARY_NAME, CANARY_EMAIL, CANARY_EMAIL.replace("@", "&#x40;"), CANARY_HOLD_REASON, self.reference)


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    return World()


def _patterns(resolver_patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _canary_pk(model: type[models.Model], world: World) -> object | None:
    """Return the pk of a row of `model` that belongs to the canary's case or person, else any row's pk."""
    names = {f.name for f in model._meta.get_fields()}
    paths = []
    if model is Case:
        return world.case.pk
    if model._meta.label == "subjects.DataSubject":
        return world.subject.pk
    for name, value in (("case", world.case), ("dsr", world.case), ("subject", world.subject),
                        ("data_subject", world.subject), ("submission", world.case.submission)):
        if name in names:
            paths.append({name: value})
    for field in ("task", "package", "run"):
        if field in names:
            related = model._meta.get_field(field).related_model
            if related is not None and "case" in {f.name for f in related._meta.get_fields()}:
                paths.append({f"{field}__case": world.case})
    for condition in paths:
        row = model._default_manager.filter(**condition).order_by("pk").first()
        if row is not None:
            return row.pk
    row = model._default_manager.order_by("pk").first()
    return row.pk if row is not None else None


def _fill(route: str, model: type[models.Model] | None, world: World) -> str | None:
    """Turn an admin route (`…/<path:object_id>/history/`) into a concrete path with canary ids."""
    object_pk = _canary_pk(model, world) if model is not None else None

    def value(match: re.Match) -> str:
        name = match.group("name")
        if name in {"object_id", "pk", "id"}:
            return str(object_pk if object_pk is not None else 1)
        if "subject" in name:
            return str(world.subject.pk)
        if "case" in name or "dsr" in name:
            return str(world.case.pk)
        if name == "history_id" and model is not None and hasattr(model, "history"):
            row = model.history.filter(id=object_pk).order_by("history_id").first()
            return str(row.history_id if row is not None else 1)
        if name in {"app_label"}:
            return model._meta.app_label if model is not None else "requests_app"
        if name in {"content_type_id"}:
            return "1"
        return "1"

    route = route.lstrip("^").rstrip("$")
    if "(?P<" in route:  # a regex route (the admin's own catch-alls): skip those the site does not build
        return None
    return "/" + re.sub(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>", value, route)


def admin_paths(world: World) -> list[str]:
    paths: set[str] = set()
    for model, model_admin in admin.site._registry.items():
        for route, _pattern in _patterns(model_admin.get_urls()):
            prefix = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
            filled = _fill(prefix + route, model, world)
            if filled:
                paths.add(filled)
    for route, pattern in _patterns(admin.site.get_urls()):
        if pattern.name in {"logout", "login"}:
            continue
        filled = _fill("admin/" + route, None, world)
        if filled:
            paths.add(filled)
    return sorted(paths)


def changelist_searches(world: World) -> list[str]:
    urls = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.search_fields:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        urls += [f"{url}?q={CANARY_EMAIL}", f"{url}?q={world.reference}", f"{url}?q=Canaryfield"]
    for model, model_admin in admin.site._registry.items():
        for field_name in getattr(model_admin, "autocomplete_fields", ()) or ():
            urls.append(reverse("admin:autocomplete") + f"?term=Zeb&app_label={model._meta.app_label}"
                        f"&model_name={model._meta.model_name}&field_name={field_name}")
    return urls


def _leaks(client: Client, url: str, canaries: tuple[str, ...]) -> list[str]:
    response = client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace")
    # A search box echoes the query it was given: that is the asker's own input, not a leak.
    text = re.sub(r'value="[^"]*"', "", text)
    text = re.sub(r"q(=|%3D)[^\"'&\s]*", "", text)
    return [canary for canary in canaries if canary in text]


def _client(user) -> Client:
    client = Client(raise_request_exception=True)
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client


def test_discovery_finds_every_registered_admin_page(world):
    paths = admin_paths(world)
    # Every ModelAdmin contributes at least its list, add, change, delete and history pages.
    assert len(paths) >= 5 * len(admin.site._registry)
    assert f"/admin/requests_app/case/{world.case.pk}/change/" in paths
    assert any("/consentevent/subject/" in path and "/proof" in path for path in paths)


def test_the_control_sees_the_canary_so_the_matrix_can_fail(world):
    olivia = _client(world.olivia)
    assert _leaks(olivia, f"/admin/requests_app/case/{world.case.pk}/change/", world.canaries)
    assert _leaks(olivia, reverse("admin:consents_proof", args=[world.subject.pk]), world.canaries)
    oscar = _client(world.oscar)
    page = oscar.get(f"/admin/requests_app/case/{world.shared_case.pk}/change/")
    assert page.status_code == 200 and SHARED_NAME.encode() in page.content


@pytest.mark.parametrize("who", ["other_officer", "staff_without_group", "anonymous"])
def test_nobody_reaches_a_person_or_case_they_may_not_see(world, who):
    user = {"other_officer": world.oscar, "staff_without_group": world.plain, "anonymous": AnonymousUser()}[who]
    client = _client(user)
    leaks = {}
    for url in admin_paths(world) + changelist_searches(world):
        found = _leaks(client, url, world.canaries)
        if found:
            leaks[url] = found
    assert leaks == {}
