from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MedPrivacyConfig(AppConfig):
    """The project package as an app: project-wide commands (demo data, schedule) and tasks."""

    name = "medprivacy"
    verbose_name = "MedPrivacy"

    def ready(self) -> None:
        from medprivacy import roles  # models are ready only now

        post_migrate.connect(roles.roles_after_migrate, dispatch_uid="medprivacy.roles_after_migrate")
