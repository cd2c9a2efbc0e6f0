"""A logging filter that removes tokens and e-mail addresses from every log record.

Installed on the root handlers (so third-party loggers are covered: django.request,
django.security.csrf, celery, gunicorn's error log through gunicorn.conf.py) it rewrites the message
and its arguments before any handler formats them: signed tokens in URL paths (status, verification,
package, preference and unsubscribe links, fulfilment callback ids), token-like query parameters,
bearer tokens and e-mail addresses become placeholders.
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# /requests/verify/<token>/, /requests/status/<token>/..., /fulfilment/package/<token>/,
# /fulfilment/callback/<id>/, /privacy-choices/p/<token>/, /privacy-choices/unsubscribe/<token>/
PATH_TOKEN = re.compile(r"(/(?:verify|status|package|callback|p|unsubscribe|token|t)/)[^/\s?#\"']{8,}")
QUERY_TOKEN = re.compile(r"([?&](?:c|t|token|key|code|signature|sig|api_key|access_token)=)[^&\s#\"']+",
                         re.IGNORECASE)
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
# Signed values (django.core.signing "payload:timestamp:signature") and raw API tokens, anywhere.
SIGNED = re.compile(r"\.?[A-Za-z0-9_-]{2,}:[A-Za-z0-9_-]{4,}:[A-Za-z0-9_-]{20,}|\bmpc_[A-Za-z0-9_-]{16,}")


def redact(text: str) -> str:
    """Return `text` with tokens and e-mail addresses replaced by placeholders."""
    text = EMAIL.sub("[email]", text)
    text = PATH_TOKEN.sub(r"\1[token]", text)
    text = QUERY_TOKEN.sub(r"\1[token]", text)
    text = BEARER.sub(r"\1[token]", text)
    return SIGNED.sub("[token]", text)


def _clean(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Rewrite each record's message, arguments and exception text without tokens or e-mail addresses."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep the format only
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # django.request / django.security attach the request; its repr carries the path.
        if hasattr(record, "request"):
            record.request = _clean(record.request)
        return True


_factory = logging.getLogRecordFactory()


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _factory(*args, **kwargs)
    RedactingFilter().filter(record)
    return record


def install_record_factory() -> None:
    """Redact every record when it is created, whichever handler (pytest's, Celery's) later sees it."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)


def install(logger_names: tuple[str, ...] = ("", "django", "django.request", "django.security.csrf",
                                              "django.server", "gunicorn.error", "gunicorn.access",
                                              "celery")) -> None:
    """Add the filter to every handler of the named loggers (for handlers configured outside LOGGING)."""
    flt = RedactingFilter()
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(flt)
