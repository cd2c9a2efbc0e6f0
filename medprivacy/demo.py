"""Demo data for a newcomer's first run: accounts for each role, created once, logins remembered."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from admt import services as admt_services
from admt.models import AutomatedSystem
from fulfilment.models import System
from medprivacy import roles
from requests_app.models import Case, ControllerOrganization
from requests_app.services import intake, workbench

LOGINS_FILE = settings.VAR_DIR / "demo-logins.txt"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str


DEMO_USERS = (
    ("Superuser", "admin", None),
    (roles.SUPERVISORS, "supervisor", roles.SUPERVISORS),
    (roles.OFFICERS, "officer1", roles.OFFICERS),
    (roles.OFFICERS, "officer2", roles.OFFICERS),
)


def _remembered(logins_file: Path) -> dict[str, str]:
    if logins_file.is_file():
        return json.loads(logins_file.read_text())
    return {}


@transaction.atomic
def seed_demo(*, logins_file: Path = LOGINS_FILE) -> list[DemoAccount]:
    """Create groups and demo users if missing; return every demo login."""
    groups = roles.ensure_roles()
    User = get_user_model()
    remembered = _remembered(logins_file)
    accounts = []
    for role, username, group_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None or username not in remembered:
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User(username=username, email=f"{username}@meddimensions.example")
            user.is_staff = True
            user.is_superuser = group_name is None
            user.set_password(password)
            user.save()
            remembered[username] = password
        if group_name:
            user.groups.add(groups[group_name])
        accounts.append(DemoAccount(role=role, username=username, password=remembered[username]))
    logins_file.write_text(json.dumps(remembered, indent=2))
    logins_file.chmod(0o600)
    _seed_demo_requests(officer=User.objects.get(username="officer1"), boss=User.objects.get(username="supervisor"))
    _seed_demo_admt(boss=User.objects.get(username="supervisor"))
    return accounts


# Fictitious requesters (example.com), one per regime family, so the workbench is not empty on first run.
DEMO_REQUESTS = (
    {"rights": ["access", "erasure"], "full_name": "Casey Demo", "email": "casey.demo@example.com",
     "country": "US", "subdivision": "CA"},
    {"rights": ["access"], "full_name": "Greta Demo", "email": "greta.demo@example.com", "country": "DE",
     "subdivision": ""},
    {"rights": ["opt_out_sale_sharing"], "full_name": "Val Demo", "email": "val.demo@example.com",
     "country": "US", "subdivision": "VA"},
)


def _seed_demo_requests(*, officer, boss) -> None:
    """File the demo requests through the real intake service once; assign the first to an officer."""
    if Case.objects.exists():
        return
    for data in DEMO_REQUESTS:
        result = intake.submission_create(relationship="website_visitor", declaration_accepted=True, **data)
        if data is DEMO_REQUESTS[0]:
            workbench.case_assign(dsr=result.cases[0], assignee=officer, actor=boss, reason="Demo assignment")


def _seed_demo_admt(*, boss) -> None:
    """Register two automated systems with a published pre-use notice, once (production starts empty)."""
    if AutomatedSystem.objects.exists():
        return
    ours = System.objects.create(
        name="Study priority scoring (demo)", role="internal", categories=["account", "clinician_professional"],
        purposes="Orders imaging studies for review (privacy policy §3, §4: AI tools for imaging).")
    scoring = AutomatedSystem(
        system=ours, public_name="Study priority scoring",
        specific_purpose="Decides the order in which a clinician's uploaded imaging studies are read, so urgent "
                         "findings are reviewed first.",
        significant_decision=True, decision_kind="healthcare", input_categories=["account", "clinician_professional"],
        relationships=["registered_user", "clinician"],
        logic="A statistical model scores each study from its modality, body region and the referring note.",
        output="A priority from 1 (routine) to 5 (urgent).", output_use="Studies are queued by priority.",
        human_role="No one reviews the score before the queue is ordered.",
        alternative_process="Your studies are queued in the order they arrive.", future_uses="None planned.")
    admt_services.automated_system_save(automated_system=scoring, actor=boss, reason="Demo register entry")
    partners = System.objects.filter(name="AI development partners").first()
    if partners is not None:
        scoring.recipients.add(partners)
    clinic, _ = ControllerOrganization.objects.get_or_create(
        name="Bayview Clinic (demo)", defaults={"privacy_email": "privacy@bayview.example"})
    clinic_system = System.objects.create(name="Bayview diagnostic triage (demo)", role="service_provider",
                                          categories=["patient_medical_images", "patient_clinical"],
                                          purposes="Runs Bayview Clinic's triage model as its service provider.")
    triage = AutomatedSystem(
        system=clinic_system, public_name="Bayview diagnostic triage",
        specific_purpose="Flags X-rays with a suspected fracture for Bayview Clinic's same-day review.",
        significant_decision=True, decision_kind="healthcare", input_categories=["patient_medical_images"],
        relationships=["patient"], logic="An image classifier trained on de-identified X-rays.",
        output="Fracture suspected: yes or no.", output_use="Flagged X-rays are reviewed the same day.",
        company_role="service_provider", clinic=clinic,
        alternative_process="Your X-rays are reviewed in the usual order.")
    admt_services.automated_system_save(automated_system=triage, actor=boss, reason="Demo register entry")
    for entry in (scoring, triage):
        notice = admt_services.notice_draft_create(automated_system=entry, actor=boss)
        admt_services.notice_publish(notice=notice, actor=boss)
