from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    name = "applicants"
    verbose_name = _("Applicants and participants")

    def ready(self) -> None:
        from applicants.appeals.views import block_panel
        from applicants.clawbacks.views import clawback_panel
        from applicants.dashboard import PANELS
        from applicants.disbursement.views import payout_callback_receive
        from applicants.incentives.views import incentives_panel
        from applicants.verification.panels import identity_panel
        from prakerja.payments.callbacks import register_callback_receiver

        # The sandbox provider hands its callbacks to the same function the endpoint uses.
        register_callback_receiver(payout_callback_receive)
        PANELS.register("applicants.incentives", incentives_panel)
        PANELS.register("applicants.clawbacks", clawback_panel)
        PANELS.register("applicants.appeals", block_panel)
        PANELS.register("applicants.verification", identity_panel)

        from applicants.programme_figures import register_sections

        register_sections()

        from applicants.open_data import register_open_data

        register_open_data()
