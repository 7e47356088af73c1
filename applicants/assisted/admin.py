"""The regional officers' screens: register one person (a form), register a group (a CSV file,
worked by a task with progress), confirm the code each person reads from their own phone. An
officer sees only the registrations of their own province; PMO administrators set each
officer's area and see every registration."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.assisted.models import AssistedBatch, AssistedRegistration, StaffRegion
from applicants.assisted.services import (
    CSV_COLUMNS,
    Person,
    assisted_batch_upload,
    assisted_code_confirm,
    assisted_code_resend,
    assisted_register,
)
from applicants.registration.models import Regency
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.admin_base import ReadOnlyAdmin, ServiceAddMixin, domain_errors_reported


class PersonForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name (as on the ID card)"), max_length=150)
    nik = forms.CharField(label="NIK", max_length=24)
    kk_number = forms.CharField(label=gettext_lazy("Family card (KK) number"), max_length=24)
    birth_date = forms.DateField(label=gettext_lazy("Birth date"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=gettext_lazy("The person's own mobile number"), max_length=24)
    email = forms.EmailField(label=gettext_lazy("The person's own email address"))
    regency = forms.ModelChoiceField(label=gettext_lazy("Regency or city of domicile"), queryset=Regency.objects.none())
    consent_reference = forms.CharField(
        label=gettext_lazy("Number of the consent form the person signed"),
        max_length=64,
        help_text=gettext_lazy("The person read the privacy notice and agreed to be registered with your help."),
    )

    def __init__(self, *args: Any, province_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regencies = Regency.objects.order_by("name")
        field = self.fields["regency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = regencies.filter(province_id=province_id) if province_id else regencies.none()


class CodeForm(forms.Form):
    code = forms.RegexField(label=gettext_lazy("Code the person reads from their phone"), regex=r"^\s*\d{6}\s*$")


class BatchForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Columns: %(cols)s; one row per person; birth date as day-month-year.") % {
            "cols": ", ".join(CSV_COLUMNS)
        }


@admin.register(StaffRegion)
class StaffRegionAdmin(admin.ModelAdmin[StaffRegion]):
    """PMO administrators set each regional officer's province (changes go to the audit trail
    through the admin log)."""

    list_display = ("user", "office", "province")
    list_select_related = ("user", "province")
    autocomplete_fields = ()
    raw_id_fields = ("user",)


class OwnProvinceMixin:
    """Officers see their province's rows only; staff who see all (PMO, auditors) have no area."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        region = StaffRegion.objects.filter(user_id=cast(int, request.user.pk)).first()
        if region is not None:
            return queryset.filter(province_id=region.province_id)
        if request.user.has_perm("applicants.assist_registration"):
            return queryset.none()  # an officer without an area sees nothing
        return queryset


@admin.register(AssistedRegistration)
class AssistedRegistrationAdmin(ServiceAddMixin, OwnProvinceMixin, ReadOnlyAdmin):
    list_display = ("pk", "nik", "office", "status", "created_at", "completed_at")
    list_filter = ("status",)
    list_select_related = ("applicant",)
    show_full_result_count = False
    fields = ("nik", "office", "province", "batch", "consent_reference", "consent_recorded_at", "status", "created_at")
    readonly_fields = fields
    actions = ("confirm_code", "resend_code")

    @admin.display(description="NIK")
    def nik(self, obj: AssistedRegistration) -> str:
        return obj.applicant.nik_masked

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("applicants.add_assistedregistration")

    def has_assist_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.assist_registration")

    # Registering is a service call (the person's identity and phone), not a model form.
    add_title = gettext_lazy("Register a person with their consent")
    add_template = "admin/applicants/assisted/register.html"

    def _region(self, request: HttpRequest) -> StaffRegion | None:
        return StaffRegion.objects.filter(user_id=cast(int, request.user.pk)).first()

    def add_form(self, request: HttpRequest) -> PersonForm:
        region = self._region(request)
        return PersonForm(request.POST or None, province_id=region.province_id if region else None)

    def add_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"region": self._region(request)}

    def add_perform(self, request: HttpRequest, form: PersonForm) -> HttpResponse:
        data = form.cleaned_data
        registration = assisted_register(
            person=Person(
                email=data["email"],
                nik=data["nik"],
                kk_number=data["kk_number"],
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                phone=data["phone"],
                regency_code=data["regency"].code,
                consent_reference=data["consent_reference"],
            ),
            actor=Actor.for_request(request),
        )
        self.message_user(
            request,
            _("Registered. A code was sent to the person's phone: enter it when they read it to you."),
            messages.SUCCESS,
        )
        url = reverse("admin:applicants_assistedregistration_changelist")
        return HttpResponseRedirect(f"{url}?status=awaiting_code&highlight={registration.pk}")

    @admin.action(description=gettext_lazy("Enter the code the person read from their phone"), permissions=["assist"])
    def confirm_code(self, request: HttpRequest, queryset: QuerySet[AssistedRegistration]) -> Any:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one person."), messages.ERROR)
            return None
        form = action_form_or_page(request, self, queryset, title=_("Enter the code"), form_class=CodeForm)
        if isinstance(form, HttpResponse):
            return form
        registration = queryset.select_related("applicant__user").get()
        with domain_errors_reported(self, request, about=registration) as outcome:
            assisted_code_confirm(
                registration=registration, code=form.cleaned_data["code"], actor=Actor.for_request(request)
            )
        if outcome.ok:
            self.message_user(
                request, _("Phone confirmed. The person sets their password from the email link."), messages.SUCCESS
            )
        return None

    @admin.action(description=gettext_lazy("Send a new code to the person's phone"), permissions=["assist"])
    def resend_code(self, request: HttpRequest, queryset: QuerySet[AssistedRegistration]) -> None:
        for registration in queryset.select_related("applicant__user"):
            with domain_errors_reported(self, request, about=registration):
                assisted_code_resend(registration=registration, actor=Actor.for_request(request))


@admin.register(AssistedBatch)
class AssistedBatchAdmin(ServiceAddMixin, OwnProvinceMixin, ReadOnlyAdmin):
    list_display = ("pk", "created_at", "status", "progress", "registered", "refused")
    list_filter = ("status",)
    fields = ("status", "rows", "processed", "registered", "problems", "created_at", "finished_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: AssistedBatch) -> str:
        return f"{obj.processed}/{obj.rows}"

    @admin.display(description=gettext_lazy("refused"))
    def refused(self, obj: AssistedBatch) -> int:
        return len(obj.problems)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("applicants.add_assistedbatch")

    add_title = gettext_lazy("Register a group from a CSV file")
    add_template = "admin/applicants/assisted/register.html"

    def add_form(self, request: HttpRequest) -> BatchForm:
        return BatchForm(request.POST or None, request.FILES or None)

    def add_perform(self, request: HttpRequest, form: BatchForm) -> HttpResponse:
        batch = assisted_batch_upload(file=form.cleaned_data["file"], actor=Actor.for_request(request))
        self.message_user(
            request,
            _("%(rows)s people are being registered; this page shows the progress.") % {"rows": batch.rows},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:applicants_assistedbatch_change", args=[batch.pk]))
