from django.apps import AppConfig


class DrpConfig(AppConfig):
    name = "drp"
    verbose_name = "Data Rights Protocol"

    def ready(self) -> None:
        from drp import services
        from requests_app.services.cases import case_change_listener_register

        # A change of a DRP request's case that changes its status object queues a callback to its agent.
        case_change_listener_register(services.drp_case_changed)
