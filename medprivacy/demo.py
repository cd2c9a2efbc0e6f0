"""Demo data for a newcomer's first run: accounts for each role, created once, logins remembered."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from medprivacy import roles
from requests_app.models import Case
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
