"""Courses from before session plans: one session without a practice task, and a self-paced
course's minimum duration set to its total hours, so that courses on sale keep a valid plan and
their attendance points at its session (data)."""

import math

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def plan(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    course_model = apps.get_model("courses", "Course")
    session_model = apps.get_model("courses", "CourseSession")
    attendance_model = apps.get_model("courses", "Attendance")
    for course in list(course_model.objects.filter(planned_sessions=0)):
        course.planned_sessions = 1
        if course.method == "self_paced" and not course.min_duration_hours:
            course.min_duration_hours = max(1, math.ceil(course.total_hours))
        course.save(update_fields=["planned_sessions", "min_duration_hours"])
        session_model.objects.get_or_create(course=course, sequence=1)
    for session in list(session_model.objects.filter(sequence=1)):
        attendance_model.objects.filter(
            redeem_code__course_id=session.course_id, sequence=1, session__isnull=True
        ).update(session=session)


class Migration(migrations.Migration):
    dependencies = [("courses", "0011_session_plan_practice_tasks")]

    operations = [migrations.RunPython(plan, migrations.RunPython.noop)]
