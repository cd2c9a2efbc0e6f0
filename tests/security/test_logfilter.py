"""Tokens and e-mail addresses never reach a log line: the filter, and the loggers that carry it."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core import signing

from security.logfilter import RedactingFilter, redact

TOKEN = signing.dumps({"s": 12345}, salt="medprivacy.status", compress=True)


@pytest.mark.parametrize("line", [
    f"Forbidden (CSRF cookie not set.): /requests/status/{TOKEN}/withdraw/DSR-2026-000001/",
    f"Internal Server Error: /fulfilment/package/{TOKEN}/",
    f'"GET /requests/verify/{TOKEN}/ HTTP/1.1" 404',
    f"/requests/submitted/?c={TOKEN}",
    "Authorization: Bearer mpc_abcdefghijklmnopqrstuvwxyz012345",
    f"value {TOKEN} in a message",
], ids=["csrf", "server-error", "access-log", "query", "bearer", "message"])  # stable ids: TOKEN has a timestamp
def test_tokens_are_removed(line):
    cleaned = redact(line)
    assert TOKEN not in cleaned and "mpc_abcdefghijklmnop" not in cleaned
    assert "[token]" in cleaned


def test_email_addresses_are_removed_also_url_encoded():
    assert redact("sent to ann.example+x@example.co.uk and bob%40example.com") == "sent to [email] and [email]"


def test_ordinary_lines_are_untouched():
    line = "case 60: 2 fulfilment tasks created by requests_app.services.fulfilment at 12:30:45"
    assert redact(line) == line


@pytest.mark.parametrize("name", ["django.security.csrf", "django.request", "gunicorn.error", "celery.app", ""])
def test_every_logger_record_is_redacted(name, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger(name).error("Forbidden: /requests/status/%s/ for %s", TOKEN, "ann@example.com")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in text and "ann@example.com" not in text and "/requests/status/[token]/" in text


def test_the_filter_also_cleans_the_exception_text():
    try:
        raise ValueError(f"bad link /requests/verify/{TOKEN}/ of ann@example.com")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, exc_info=sys.exc_info())
    RedactingFilter().filter(record)
    assert TOKEN not in record.exc_text and "ann@example.com" not in record.exc_text


def test_settings_and_gunicorn_install_the_filter():
    from django.conf import settings

    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    handlers = conf["logconfig_dict"]["handlers"]
    assert all("redact" in handler.get("filters", []) for handler in handlers.values())
