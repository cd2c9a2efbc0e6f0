from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    """The person a request or a consent is about; every app depends on it, it depends on none."""

    name = "subjects"
    verbose_name = "Data subjects"
