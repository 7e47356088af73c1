"""Owners as admin inlines: the form and formset that the institution screen (here) and the
platform screen (partners) share. Every save goes through the ownership services (audited); the
NIK of a person is typed, never shown again (only its masked copy)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from courses.errors import OwnershipError
from courses.models import InstitutionOwner, OwnerStake
from courses.services.ownership import StakeWrite, owner_identify
from prakerja.core.errors import domain_error_on_form


class OwnerStakeForm(forms.ModelForm):
    nik = forms.CharField(
        label=_("NIK (persons)"),
        required=False,
        max_length=24,
        strip=True,
        # Never rendered back: only a keyed hash and a masked copy are kept.
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}, render_value=False),
        help_text=_("Kept only as a keyed hash and a masked copy; leave empty to keep the one recorded."),
    )

    class Meta:
        fields = ("kind", "name", "registration_number", "nik", "share_percent")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("DELETE") or not self.has_changed():
            return data
        try:
            owner_identify(
                kind=data.get("kind") or "",
                registration_number=data.get("registration_number") or "",
                nik=data.get("nik") or "",
                previous=self.instance if self.instance.pk else None,
            )
        except OwnershipError as error:
            domain_error_on_form(self, error)
        return data


class OwnerStakeFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        total = Decimal(0)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and data.get("share_percent") is not None:
                total += data["share_percent"]
        if total > 100:
            raise forms.ValidationError(
                _("The owners' shares add up to %(total)s%%, more than 100%%.") % {"total": total}
            )

    def stake_changes(self) -> tuple[list[StakeWrite], list[OwnerStake]]:
        """After `save(commit=False)`: the stakes to write (with the NIK typed) and to remove."""
        niks = {id(form.instance): form.cleaned_data.get("nik", "") for form in self.forms if form.cleaned_data}
        writes = [StakeWrite(stake=obj, nik=niks.get(id(obj), "")) for obj in self.new_objects]
        writes += [StakeWrite(stake=obj, nik=niks.get(id(obj), "")) for obj, _fields in self.changed_objects]
        return writes, list(self.deleted_objects)


class OwnerInlineBase(admin.TabularInline[Any, Any]):
    form = OwnerStakeForm
    formset = OwnerStakeFormSet
    extra = 0
    fields = ("kind", "name", "registration_number", "nik", "nik_masked", "share_percent")
    readonly_fields = ("nik_masked",)


class InstitutionOwnerInline(OwnerInlineBase):
    model = InstitutionOwner
    verbose_name_plural = _("owners and beneficial owners")
