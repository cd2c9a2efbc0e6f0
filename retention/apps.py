from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from django.contrib import admin

        from retention import registry
        from retention.admin import guard_target_admins

        registry.autodiscover()
        # The admin autodiscovers before this app is ready (django.contrib.admin comes first in
        # INSTALLED_APPS), so every ModelAdmin of a target exists now.
        guard_target_admins(admin.site)
