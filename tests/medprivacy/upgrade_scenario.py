"""Run by tests/medprivacy/test_migration_upgrade.py in a subprocess, against an empty database of its own.

Build the database at the migration leaves of the layout before the restructure (commit a004587), insert
rows through the historical models of that state, migrate forward to the latest migrations, and print
what the new models see as JSON. (A subprocess, so the database is `default`: data migrations run
against it like in a real deploy.)
"""

from __future__ import annotations

import datetime as dt
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medprivacy.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

OURS = {"requests_app", "consents", "retention", "medprivacy", "subjects", "timeline", "outbox", "fulfilment",
        "minors", "referrals", "audit", "reporting", "admt", "assessments"}
# The leaves of our apps before the restructure; the new apps did not exist.
OLD_LEAVES = [("requests_app", "0006_history_reasons_as_text"), ("consents", "0003_history_reasons_as_text"),
              ("retention", "0004_history_reasons_as_text"), ("medprivacy", "0001_job_runs")]
AT = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)


def seed_old(apps) -> dict[str, int]:
    """Insert one of everything through the pre-restructure models; return their ids."""
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    user_model = apps.get_model("auth", "User")
    group_model = apps.get_model("auth", "Group")

    def perm(model: str, codename: str):
        ct, _ = content_type.objects.get_or_create(app_label="requests_app", model=model)
        return permission.objects.get_or_create(content_type=ct, codename=codename,
                                                defaults={"name": codename})[0]

    officer = user_model.objects.create(username="officer1", is_staff=True, is_active=True)
    group = group_model.objects.create(name="Privacy officers")
    group.permissions.add(perm("datasubject", "view_datasubject"), perm("system", "view_system"))
    officer.groups.add(group)

    subject = apps.get_model("requests_app", "DataSubject").objects.create(
        email="ada@example.com", full_name="Ada Lovelace", country="DE", created_at=AT)
    apps.get_model("requests_app", "HistoricalDataSubject").objects.create(
        id=subject.pk, email=subject.email, full_name=subject.full_name, relationship="website_visitor",
        country="DE", subdivision="", phone="", created_at=AT, updated_at=AT, history_date=AT,
        history_type="+", history_change_reason="Created from a request")
    submission = apps.get_model("requests_app", "Submission").objects.create(subject=subject, received_at=AT)
    case = apps.get_model("requests_app", "Case").objects.create(
        reference="DSR-2026-000001", submission=submission, subject=subject, right="access", regime="gdpr",
        status="verified", received_at=AT, receipt_date=AT.date(), respond_by=dt.date(2026, 4, 5),
        due_on=dt.date(2026, 4, 5))
    apps.get_model("requests_app", "CaseUserObjectPermission").objects.create(
        user=officer, permission=perm("case", "change_case"), content_object=case)
    system = apps.get_model("requests_app", "System").objects.create(
        name="Upgrade test system", access_method="django_model", model_labels=["requests_app.DataSubject"])
    apps.get_model("guardian", "UserObjectPermission").objects.create(
        user=officer, permission=perm("system", "change_system"),
        content_type=content_type.objects.get(app_label="requests_app", model="system"), object_pk=str(system.pk))
    task = apps.get_model("requests_app", "FulfilmentTask").objects.create(
        case=case, system=system, action="export", due_on=dt.date(2026, 4, 1), request_id="req-upgrade-1")
    message = apps.get_model("requests_app", "Message").objects.create(
        submission=submission, template_key="acknowledgement", to_email=subject.email, subject="We have it",
        body_text="Hello Ada", created_at=AT, state="queued")
    consent_message = apps.get_model("consents", "ConsentMessage").objects.create(
        subject=subject, template_key="consents-preference-link", to_email=subject.email,
        subject_line="Your privacy choices", body_text="Choose here", created_at=AT, state="failed",
        attempts=1, last_error="ConnectionRefusedError")
    event = apps.get_model("requests_app", "TimelineEvent").objects.create(
        case=case, kind="message_sent", summary="acknowledgement: We have it", message=message, at=AT)
    return {"officer": officer.pk, "subject": subject.pk, "submission": submission.pk, "case": case.pk,
            "system": system.pk, "task": task.pk, "message": message.pk, "consent_message": consent_message.pk,
            "event": event.pk}


def read_new(ids: dict[str, int]) -> dict:
    """Read the rows back through today's models."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from guardian.core import ObjectPermissionChecker

    from fulfilment.models import FulfilmentTask, System
    from outbox.models import Message
    from reporting.models import CaseFact
    from requests_app.models import Case
    from subjects.models import DataSubject
    from timeline.models import TimelineEvent

    officer = get_user_model().objects.get(pk=ids["officer"])
    subject = DataSubject.objects.get(pk=ids["subject"])
    case = Case.objects.get(pk=ids["case"])
    task = FulfilmentTask.objects.get(pk=ids["task"])
    system = System.objects.get(pk=ids["system"])
    message = Message.objects.get(pk=ids["message"])
    copied = Message.objects.get(stream="consent")
    event = TimelineEvent.objects.get(pk=ids["event"])
    checker = ObjectPermissionChecker(officer)
    tables = set(connection.introspection.table_names())
    return {
        "subject": [subject.email, subject.full_name, subject.history.count(),
                    subject.history.first().history_change_reason],
        "case": [case.reference, case.subject_id == subject.pk, case.submission.subject_id == subject.pk],
        # reporting.0002 backfilled the §7102 fact of the case that existed before reporting was installed.
        "case_fact": [[right, outcome, day.isoformat()] for right, outcome, day in
                      CaseFact.objects.filter(case=case).values_list("right", "outcome", "received_on")],
        "guardian_case": checker.has_perm("change_case", case),
        "guardian_system": checker.has_perm("change_system", system),
        "model_perm": officer.has_perm("subjects.view_datasubject") and officer.has_perm("fulfilment.view_system"),
        "task": [task.case_id == case.pk, task.system.name, task.request_id],
        "model_labels": system.model_labels,
        "message": [message.data_subject_id == subject.pk, message.submission_id, message.stream, message.state,
                    message.message_id.startswith("<") and message.message_id.endswith(">"),
                    message.next_attempt_at is not None],
        "consent_message": [copied.data_subject_id == subject.pk, copied.submission_id, copied.subject,
                            copied.body_text, copied.state, copied.attempts, copied.last_error,
                            copied.next_attempt_at is not None, copied.message_id != message.message_id],
        "event": [event.case_id == case.pk, event.message_id == message.pk, event.summary],
        # The content types that existed before (created with their permissions) now carry the new labels.
        "content_types": sorted(ContentType.objects.values_list("app_label", "model")),
        "tables": {name: name in tables for name in ("subjects_datasubject", "requests_app_datasubject",
                                                     "outbox_message", "consents_consentmessage",
                                                     "fulfilment_fulfilmenttask", "timeline_timelineevent",
                                                     "subjects_historicaldatasubject")},
    }


def main() -> None:
    executor = MigrationExecutor(connection)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in OURS]
    targets = others + OLD_LEAVES
    executor.migrate(targets)
    ids = seed_old(executor.loader.project_state(targets).apps)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    print(json.dumps({"ids": ids, "seen": read_new(ids)}))


if __name__ == "__main__":
    main()
