from django.apps import AppConfig


class MedPrivacyConfig(AppConfig):
    """The project package as an app: project-wide commands (demo data, schedule) and tasks."""

    name = "medprivacy"
    verbose_name = "MedPrivacy"
