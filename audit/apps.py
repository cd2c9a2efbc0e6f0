from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The tamper-evident audit chain: below every other app, which call it from their services."""

    name = "audit"
    verbose_name = "Audit chain"
