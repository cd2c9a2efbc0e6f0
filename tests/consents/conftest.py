from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine

from consents import services

NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _purposes(request):
    """Make sure the seeded purposes exist: a transactional test elsewhere may have flushed them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    if "page" in request.fixturenames:
        # Playwright's session-wide event loop is already running in this thread (see tests/conftest.py).
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    services.purposes_seed()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api_token(db) -> str:
    _, raw = services.api_token_create(name="crm")
    return raw
