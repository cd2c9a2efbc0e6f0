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
    return accounts
