from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """The append-only case timeline every app writes to."""

    name = "timeline"
    verbose_name = "Case timeline"
