from django.apps import AppConfig


class MinorsConfig(AppConfig):
    name = "minors"
    verbose_name = "Children: ages and parents' authorizations"
