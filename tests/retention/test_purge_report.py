"""A purge run reports, before and after, the same rows it deletes: the dry run's and the live plan's `due`
equal what the live run then deletes, item by item, however the items' rows overlap."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from requests_app.models import VerificationToken
from requests_app.workflow import Status
from retention import services
from retention.models import PurgeRun, PurgeRunRow, RetentionRule
from subjects.models import DataSubject
from tests.retention.helpers import CUTOFF_24_MONTHS, NOW, closed_request

pytestmark = pytest.mark.django_db


def plan_dry_then_live() -> tuple[PurgeRun, PurgeRun]:
    with time_machine.travel(NOW, tick=False):
        dry = services.purge_run_plan(mode=PurgeRun.Mode.DRY_RUN, trigger=PurgeRun.Trigger.COMMAND)
        live = services.purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.COMMAND)
        return dry, services.purge_run_execute(run=live)


def report(run: PurgeRun) -> dict[str, int]:
    return {i.target: i.due for i in run.items.all()}


def done(run: PurgeRun) -> dict[str, int]:
    return {i.target: i.deleted + i.anonymized + i.flagged + i.failed for i in run.items.all()}


def test_rows_another_item_deletes_first_are_counted_once_by_that_item():
    # Old closed requests: their verification tokens go with their submissions (a cascade), and the
    # closed-unverified one is request records too; each row is planned by the item that deletes it.
    for days in (30, 31, 32):
        closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=days), with_document=True)
    closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=300), status=Status.CLOSED_UNVERIFIED)

    dry, live = plan_dry_then_live()

    assert report(dry) == report(live) == done(live)
    assert report(live)["requests.case"] == 4
    assert report(live)["requests.unverified_case"] == 0  # deleted by the request-records item before it
    assert report(live)["requests.verification_token"] == 0  # gone with their submissions
    assert VerificationToken.objects.count() == 0


def test_a_row_that_becomes_due_during_the_run_waits_for_the_next_run():
    # A short rule for unverified requests (the seeded one is 24 months, 11 CCR §7101; set here by a raw
    # update, as a deployment could have done before the minimums existed) makes the case and submission of
    # one closed 40 days ago due; its subject only once they are gone, so the plan does not count it and the
    # run leaves it for the next run.
    RetentionRule.objects.filter(category__code="unverified_requests", is_active=True).update(
        period=30, period_unit="days")
    dsr = closed_request(NOW - dt.timedelta(days=40), status=Status.CLOSED_UNVERIFIED)

    dry, live = plan_dry_then_live()

    assert report(dry) == report(live) == done(live)
    assert report(live)["requests.unverified_data_subject"] == 0
    assert DataSubject.objects.filter(pk=dsr.subject_id).exists()
    assert not PurgeRunRow.objects.exists()  # the planned rows go when each item is done

    _, next_run = plan_dry_then_live()
    assert report(next_run)["requests.unverified_data_subject"] == 1 == done(next_run)[
        "requests.unverified_data_subject"]
    assert not DataSubject.objects.filter(pk=dsr.subject_id).exists()
