from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Digital platforms")

    def ready(self) -> None:
        from applicants.complaints.services import register_complaint_subjects
        from applicants.dashboard import register_panel
        from partners.participant import complaint_subjects_for, purchases_panel

        register_panel(purchases_panel)
        register_complaint_subjects(complaint_subjects_for)

        from partners.programme_figures import register_sections

        register_sections()

        from courses.models import Course
        from courses.signals import course_decided
        from partners.services.listings import listings_on_course_decided

        course_decided.connect(listings_on_course_decided, sender=Course, dispatch_uid="partners-listings")

        from courses.models import RedeemCode
        from courses.signals import redeem_code_used
        from partners.services.purchases import purchases_on_redeem_code_used

        redeem_code_used.connect(purchases_on_redeem_code_used, sender=RedeemCode, dispatch_uid="partners-purchases")
