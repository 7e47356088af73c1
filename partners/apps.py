from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Digital platforms")

    def ready(self) -> None:
        from applicants.complaints.services import COMPLAINT_SUBJECTS
        from applicants.dashboard import PANELS
        from partners.purchases.participant import complaint_subjects_for, purchases_panel

        PANELS.register("partners.purchases", purchases_panel)
        COMPLAINT_SUBJECTS.register("partners.purchases", complaint_subjects_for)

        from partners.programme_figures import register_sections

        register_sections()

        from partners.open_data import register_open_data

        register_open_data()

        from courses.hooks import COURSE_DECIDED, INSTITUTION_OWNERSHIP_CHANGED, REDEEM_CODE_USED
        from partners.conflicts.services.affiliations import listings_on_institution_ownership_changed
        from partners.platforms.services.listings import listings_on_course_decided
        from partners.purchases.services.purchases import purchases_on_redeem_code_used

        COURSE_DECIDED.register("partners.listings", listings_on_course_decided)
        REDEEM_CODE_USED.register("partners.purchases", purchases_on_redeem_code_used)
        INSTITUTION_OWNERSHIP_CHANGED.register("partners.conflicts", listings_on_institution_ownership_changed)

        from courses.models import Category, Course, CourseReview, InstitutionOwner, Schedule, TrainingInstitution
        from partners.catalogue.views import CATALOGUE_PAGES
        from partners.models import Listing, Partner, PlatformOwner
        from prakerja.core.pagecache import page_version_watch

        # Owners too: an affiliation shows on the course page (its disclosure).
        page_version_watch(
            CATALOGUE_PAGES,
            Course,
            Listing,
            Partner,
            TrainingInstitution,
            Category,
            Schedule,
            CourseReview,
            InstitutionOwner,
            PlatformOwner,
        )

        from django.db.models.signals import post_delete, post_save

        from partners.api.authentication import api_keys_changed_now_and_on_commit
        from partners.models import PartnerAPIKey

        for model in (Partner, PartnerAPIKey):
            for signal in (post_save, post_delete):
                signal.connect(
                    api_keys_changed_now_and_on_commit, sender=model, dispatch_uid=f"api-keys-{model._meta.label}"
                )
