from __future__ import annotations

import datetime as dt

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
