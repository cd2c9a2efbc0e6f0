"""Time shown to officers carries its zone: the display zone's abbreviation, never a wrong "(UTC)"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import formats, timezone

from medprivacy.models import JobRun
from tests.factories import supervisor

pytestmark = pytest.mark.django_db

WINTER = dt.datetime(2026, 1, 15, 15, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 15, 0, tzinfo=dt.UTC)


def test_date_times_are_formatted_with_the_zone_they_are_shown_in(settings):
    settings.DISPLAY_TIME_ZONE = "America/New_York"
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert formats.localize(timezone.localtime(WINTER)) == "Jan. 15, 2026, 10 a.m. EST"
        assert formats.localize(timezone.localtime(SUMMER)) == "July 15, 2026, 11 a.m. EDT"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        assert formats.localize(timezone.localtime(WINTER)).endswith("4 p.m. CET")


def test_the_admin_shows_zone_labelled_times(client):
    admin = supervisor("sam")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    JobRun.objects.create(name="reminders_sweep", started_at=WINTER, finished_at=WINTER)
    html = client.get("/admin/medprivacy/jobrun/").content.decode()
    assert "Jan. 15, 2026, 10 a.m. EST" in html
