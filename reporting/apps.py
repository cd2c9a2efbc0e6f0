from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """CCPA §7102 metrics, the report page and charts, case-list exports and per-case evidence packs."""

    name = "reporting"
    verbose_name = "Reporting"
