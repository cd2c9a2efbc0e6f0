from django.apps import AppConfig


class DrpConfig(AppConfig):
    name = "drp"
    verbose_name = "Data Rights Protocol"

    def ready(self) -> None:
        from drp import services
        from requests_app.services.cases import case_status_listener_register

        # Every case status change of a DRP request queues a status callback to its agent.
        case_status_listener_register(services.drp_case_status_changed)
