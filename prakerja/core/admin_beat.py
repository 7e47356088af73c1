"""The periodic jobs' admin: PMO administrators change when the project's own jobs run and
nothing else (no new jobs, no arguments, no "run now"); superusers keep the full screen, but no
one can save a job the scheduler would refuse (prakerja.core.beat)."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_celery_beat.admin import PeriodicTaskAdmin, PeriodicTaskForm
from django_celery_beat.models import PeriodicTask

from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.beat import SCHEDULED_TASKS, TIME_FIELDS, periodic_task_allowed


class ProjectPeriodicTaskForm(PeriodicTaskForm):
    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        candidate = PeriodicTask(
            task=data.get("task", getattr(self.instance, "task", "")),
            args=data.get("args", getattr(self.instance, "args", "[]")),
            kwargs=data.get("kwargs", getattr(self.instance, "kwargs", "{}")),
            headers=data.get("headers", getattr(self.instance, "headers", "{}")),
        )
        if not periodic_task_allowed(task=candidate):
            raise forms.ValidationError(
                _("Only the portal's own jobs, without arguments, can be scheduled: %(tasks)s.")
                % {"tasks": ", ".join(sorted(SCHEDULED_TASKS))}
            )
        return data


class TimeOnlyForm(forms.ModelForm[PeriodicTask]):
    """What a PMO administrator edits: when the job runs (the model checks one schedule is set)."""

    class Meta:
        model = PeriodicTask
        fields = TIME_FIELDS


class ProjectPeriodicTaskAdmin(PeriodicTaskAdmin):
    form = ProjectPeriodicTaskForm
    time_fieldsets = (
        (None, {"fields": ("name", "task", "enabled", "description")}),
        (_("Schedule"), {"fields": ("interval", "crontab", "start_time", "last_run_at")}),
        (_("Arguments"), {"fields": ("args", "kwargs", "queue")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return super().get_fieldsets(request, obj) if request.user.is_superuser else self.time_fieldsets

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            kwargs["form"] = TimeOnlyForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        shown = [field for _title, options in self.time_fieldsets for field in options["fields"]]
        return [field for field in shown if field not in TIME_FIELDS]

    def get_actions(self, request: HttpRequest) -> Any:
        # enable/disable/toggle/run carry no permission of their own in django-celery-beat:
        # anyone who could see the list could run any job at once.
        return super().get_actions(request) if request.user.is_superuser else {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: PeriodicTask, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=Actor.for_request(request),
            action="periodic_task.change" if change else "periodic_task.add",
            target=obj,
            payload={"name": obj.name, "task": obj.task, "changed": sorted(form.changed_data)},
            request=request,
        )


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, ProjectPeriodicTaskAdmin)
