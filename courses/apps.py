from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and training institutions")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from courses.integration.institutions import institutions_changed_now_and_on_commit
        from courses.models import InstitutionSigningKey, TrainingInstitution

        # The integration protocol caches institutions and their keys per process (see
        # courses.integration.institutions): every change makes each process read them again.
        for model in (TrainingInstitution, InstitutionSigningKey):
            for signal in (post_save, post_delete):
                signal.connect(
                    institutions_changed_now_and_on_commit,
                    sender=model,
                    dispatch_uid=f"integration-institutions-{model._meta.label}",
                )
