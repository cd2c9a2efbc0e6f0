from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    """The data map, per-system tasks, connectors and access packages."""

    name = "fulfilment"
    verbose_name = "Fulfilment"
