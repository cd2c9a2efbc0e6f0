from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Every e-mail to a person: stored as rendered, sent after commit, retried by one sweep."""

    name = "outbox"
    verbose_name = "Outbox"
