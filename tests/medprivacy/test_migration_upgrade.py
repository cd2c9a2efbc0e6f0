"""A database at the layout before the restructure (today's main) migrates to the new layout with its rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.conftest import ROOT, database_url_for_subprocess, require_postgres


@pytest.fixture
def empty_database(django_db_blocker):
    """A database of its own (created empty, dropped afterwards), next to the test database."""
    require_postgres()
    name = f"{connection.settings_dict['NAME']}_upgrade"
    with django_db_blocker.unblock():
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = database_url_for_subprocess().rsplit("/", 1)[0] + f"/{name}"
        yield url
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_database_at_the_old_layout_migrates_to_the_new_layout_with_its_rows(empty_database):
    result = subprocess.run([sys.executable, "-m", "tests.medprivacy.upgrade_scenario"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": empty_database},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    ids, seen = out["ids"], out["seen"]
    assert seen["subject"] == ["ada@example.com", "Ada Lovelace", 1, "Created from a request"]
    assert seen["case"] == ["DSR-2026-000001", True, True]
    assert seen["case_fact"] == [["access", "open", "2026-03-05"]]  # reporting.0002 backfilled its §7102 fact
    assert seen["guardian_case"] is True  # the object permission on the case still grants it
    assert seen["guardian_system"] is True  # a generic guardian row on a moved model follows its content type
    assert seen["model_perm"] is True  # group permissions follow the moved models' content types
    assert seen["task"] == [True, "Upgrade test system", "req-upgrade-1"]
    assert seen["model_labels"] == ["subjects.DataSubject"]
    assert seen["message"] == [True, ids["submission"], "request", "queued", True, True]
    assert seen["consent_message"] == [True, None, "Your privacy choices", "Choose here", "failed", 1,
                                       "ConnectionRefusedError", True, True]
    assert seen["event"] == [True, True, "acknowledgement: We have it"]
    assert seen["content_types"] == [["fulfilment", "system"], ["requests_app", "case"],
                                     ["subjects", "datasubject"]]
    assert seen["tables"] == {"subjects_datasubject": True, "requests_app_datasubject": False,
                              "outbox_message": True, "consents_consentmessage": False,
                              "fulfilment_fulfilmenttask": True, "timeline_timelineevent": True,
                              "subjects_historicaldatasubject": True}
