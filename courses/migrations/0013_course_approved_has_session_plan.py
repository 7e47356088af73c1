"""A course on sale has a session plan, and a self-paced one its minimum duration (constraint)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("courses", "0012_session_plan_existing_courses")]

    operations = [
        migrations.AddConstraint(
            model_name="course",
            constraint=models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (
                    models.Q(planned_sessions__gte=1)
                    & (
                        ~models.Q(method="self_paced")
                        | models.Q(min_duration_hours__isnull=False, min_duration_hours__gte=1)
                    )
                ),
                name="course_approved_has_session_plan",
            ),
        ),
    ]
