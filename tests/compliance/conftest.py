from __future__ import annotations

import pytest
import time_machine

from medprivacy import roles
from tests.compliance.support import RECEIVED
from tests.requests_app.intake_support import use_private_storage


@pytest.fixture(autouse=True)
def _setup(db, settings, tmp_path):
    use_private_storage(settings, tmp_path)
    roles.ensure_roles()


@pytest.fixture
def clock():
    with time_machine.travel(RECEIVED, tick=False) as traveller:
        yield traveller
