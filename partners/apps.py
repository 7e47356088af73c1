from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Digital platforms")

    def ready(self) -> None:
        from applicants.dashboard import register_panel
        from partners.participant import purchases_panel

        register_panel(purchases_panel)
