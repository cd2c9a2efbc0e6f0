from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from security import checks, logfilter  # noqa: F401  (checks register themselves)


class SecurityConfig(AppConfig):
    """Platform security: the one rate limiter, bad-input guard, log redaction, headers, second factor."""

    name = "security"
    default = True
    verbose_name = "Platform security"

    def ready(self) -> None:
        logfilter.install_record_factory()


class SecureAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site that requires a second factor where the settings ask for it."""

    default = False  # installed by its dotted path; SecurityConfig is the app's own config
    default_site = "security.admin_site.SecureAdminSite"
