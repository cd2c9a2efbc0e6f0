from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = "Consents"

    def ready(self) -> None:
        from consents.models import ApiToken, Purpose

        # Any save of a purpose or token (the admin, the services, the data migrations) empties this
        # process's consent-API cache; other processes follow within MEDPRIVACY_CONSENT_API_CACHE_SECONDS.
        for model in (ApiToken, Purpose):
            for signal in (post_save, post_delete):
                signal.connect(_forget, sender=model, dispatch_uid=f"consents.api_cache.{model.__name__}.{signal}")


def _forget(**_kwargs) -> None:
    from consents.selectors import api_lookups_forget

    api_lookups_forget()
