"""Health probes for /healthz: database, broker and the last beat tick. No personal data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from medprivacy.celery import app

BEAT_TICK_KEY = "medprivacy:beat:last_tick"


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: dict


def record_beat_tick(*, now: dt.datetime | None = None) -> None:
    """Store the instant of the latest beat tick; kept a day so a stale beat is still visible."""
    now = now or timezone.now()
    cache.set(BEAT_TICK_KEY, now.isoformat(), timeout=86_400)


def check_database() -> Probe:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; report the class, not the message
        return Probe(False, {"status": "error", "error": type(exc).__name__})
    return Probe(True, {"status": "ok", "vendor": connection.vendor})


def check_broker() -> Probe:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return Probe(False, {"status": "error", "error": type(exc).__name__})
    return Probe(True, {"status": "ok", "transport": str(transport)})


def check_beat(*, now: dt.datetime | None = None) -> Probe:
    now = now or timezone.now()
    raw = cache.get(BEAT_TICK_KEY)
    if raw is None:
        return Probe(False, {"status": "stale", "last_tick": None})
    last = dt.datetime.fromisoformat(raw)
    age = (now - last).total_seconds()
    ok = age <= settings.BEAT_STALE_AFTER_SECONDS
    return Probe(ok, {"status": "ok" if ok else "stale", "last_tick": raw, "age_seconds": round(age)})


def report() -> tuple[bool, dict]:
    probes = {"database": check_database(), "broker": check_broker(), "beat": check_beat()}
    healthy = all(p.ok for p in probes.values())
    body = {"status": "ok" if healthy else "unhealthy", **{k: p.detail for k, p in probes.items()}}
    return healthy, body
