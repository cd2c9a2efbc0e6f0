"""Real worker processes on Redis: concurrent sweeps send each reminder once; a killed worker's claim is
taken over and its reminders are still delivered once."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone

from medprivacy.celery import app
from medprivacy.models import JobRun
from requests_app.models import Case, Reminder
from requests_app.tasks import reminders_sweep
from tests.conftest import require_redis
from tests.factories import make_case, officer

pytestmark = pytest.mark.worker

HEADER = re.compile(rb"^X-MedPrivacy-Reminder: (\d+)\r?$", re.MULTILINE)
# One kind of reminder per case keeps the expected count exact: only "due in 3 days".
ONLY_DUE_SOON = {"MEDPRIVACY_REMINDER_EXTENSION_OFFSETS_DAYS": "", "MEDPRIVACY_REMINDER_ACK_OFFSETS_DAYS": "",
                 "EMAIL_URL": ""}


def due_cases(n: int) -> list[Case]:
    """Assigned CCPA access cases whose 45 days end in about three days (real time: workers do not travel)."""
    olivia = officer("olivia")
    received = timezone.now() - dt.timedelta(days=42)
    cases = []
    for _ in range(n):
        dsr = make_case(right="access", regime="ccpa", received_at=received)
        dsr.assignee = olivia
        dsr.save()
        cases.append(dsr)
    return cases


def sent_ids(*mail_dirs: Path) -> Counter[int]:
    """Count the reminder ids in every e-mail the file backends wrote."""
    found: Counter[int] = Counter()
    for folder in mail_dirs:
        for path in folder.glob("*.log") if folder.exists() else ():
            found.update(int(m) for m in HEADER.findall(path.read_bytes()))
    return found


def wait_for(condition: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


def test_two_workers_running_many_sweeps_at_once_send_each_reminder_exactly_once(start_worker, tmp_path):
    require_redis()
    app.control.purge()  # this worktree's own Redis db: drop tasks left by an earlier, interrupted run
    cases = due_cases(30)
    mail_dir = tmp_path / "mail"
    env = {**ONLY_DUE_SOON, "EMAIL_BACKEND": "tests.requests_app.mail_backends.SlowFileBackend",
           "MEDPRIVACY_TEST_MAIL_DELAY": "0.05", "EMAIL_FILE_PATH": str(mail_dir),
           "MEDPRIVACY_REMINDER_SEND_BATCH": "3"}
    workers = [start_worker("sweeper1", **env), start_worker("sweeper2", **env)]
    sweeps = 8
    for _ in range(sweeps):
        reminders_sweep.delay()
    wait_for(lambda: JobRun.objects.filter(name="reminders").exclude(status="running").count() >= sweeps,
             what="all sweeps to finish")

    reminders = Reminder.objects.all()
    assert reminders.count() == len(cases)
    assert set(reminders.values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert set(reminders.values_list("kind", "state", "attempts")) == {("due_soon", "sent", 1)}
    assert sent_ids(mail_dir) == Counter({pk: 1 for pk in reminders.values_list("pk", flat=True)})
    runs = JobRun.objects.filter(name="reminders")
    assert set(runs.values_list("status", flat=True)) == {"succeeded"}
    assert sum(runs.values_list("items_handled", flat=True)) == len(cases)
    for worker in workers:  # both really ran sweeps
        assert b"requests_app.reminders_sweep" in worker.log_path.read_bytes(), worker.output()


def test_a_worker_killed_mid_batch_leaves_a_claim_that_a_restarted_worker_delivers_once(start_worker, tmp_path):
    require_redis()
    app.control.purge()
    cases = due_cases(4)
    doomed_mail, rescue_mail = tmp_path / "mail-doomed", tmp_path / "mail-rescue"
    # A claim records when it goes stale (next_attempt_at); here after 3 seconds instead of 15 minutes.
    doomed = start_worker("doomed", **ONLY_DUE_SOON, EMAIL_BACKEND="tests.requests_app.mail_backends.SlowFileBackend",
                          MEDPRIVACY_TEST_MAIL_DELAY="1.5", EMAIL_FILE_PATH=str(doomed_mail),
                          MEDPRIVACY_REMINDER_STALE_CLAIM_SECONDS="3")
    reminders_sweep.delay()
    sent = Reminder.objects.filter(state="sent")
    wait_for(lambda: sent.count() == 1, what="the first reminder to be sent")
    doomed.kill()  # SIGKILL while the second e-mail of the claimed batch is being sent

    assert Counter(Reminder.objects.values_list("state", flat=True)) == {"sent": 1, "sending": 3}
    assert JobRun.objects.get().status == "running"  # a killed run stays visibly unfinished
    assert sum(sent_ids(doomed_mail).values()) == 1

    start_worker("rescuer", **ONLY_DUE_SOON, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                 EMAIL_FILE_PATH=str(rescue_mail))
    def stale() -> int:
        return Reminder.objects.filter(state="sending", next_attempt_at__lte=timezone.now()).count()

    wait_for(lambda: stale() == 3, timeout=10, what="the dead worker's claim to go stale")
    reminders_sweep.delay()
    wait_for(lambda: sent.count() == len(cases), timeout=60, what="every reminder to be sent")

    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    assert sent_ids(doomed_mail, rescue_mail) == Counter({pk: 1 for pk in ids})
    assert sorted(Reminder.objects.values_list("attempts", flat=True)) == [1, 2, 2, 2]
    assert JobRun.objects.filter(status="succeeded").count() == 1
