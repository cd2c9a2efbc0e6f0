from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """CCPA §7102 metrics, the report page and charts, case-list exports and per-case evidence packs."""

    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from reporting.services import case_fact_record
        from requests_app.observers import register_case_observer

        register_case_observer(case_fact_record)
