"""gunicorn reads this file from the working directory: its own log lines (the error log, and the
access log when enabled) go through the same redaction as the application's (security.logfilter), so
no status, package or verification token and no e-mail address reaches the web server's logs."""

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "security.logfilter.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"],
                          "stream": "ext://sys.stderr"},
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"],
                    "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
