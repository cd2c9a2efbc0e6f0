from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmtConfig(AppConfig):
    name = "admt"
    verbose_name = _("Automated decisions (AI register)")
