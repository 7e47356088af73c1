"""Conflicts of interest in the admin: platforms' owners (an inline on the platform screen, the
same form as institutions' owners) and the curators' approval of affiliated listings with their
disclosure (an action of the listings screen)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from courses.admin_ownership import OwnerInlineBase, OwnerStakeFormSet
from partners.conflicts.selectors import affiliation_basis, disclosure_draft
from partners.conflicts.services.disclosures import listing_disclosure_approve
from partners.conflicts.services.owners import platform_owners_apply
from partners.models import Listing, Partner, PlatformOwner
from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported

DISCLOSE = "partners.disclose_listing"


class PlatformOwnerInline(OwnerInlineBase):
    model = PlatformOwner
    verbose_name_plural = _("owners and beneficial owners")


def platform_owners_formset_save(request: HttpRequest, partner: Partner, formset: OwnerStakeFormSet) -> None:
    formset.save(commit=False)  # the change message's lists; the service writes
    writes, removals = formset.stake_changes()
    if writes or removals:
        platform_owners_apply(
            partner=partner,
            writes=writes,
            removals=[r for r in removals if isinstance(r, PlatformOwner)],
            actor=Actor.for_request(request),
        )


class DisclosureForm(forms.Form):
    disclosure = forms.CharField(
        label=_("Disclosure (Indonesian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public course page beside this platform."),
    )
    disclosure_en = forms.CharField(
        label=_("Disclosure (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ListingDisclosureMixin:
    """For `ListingAdmin`: the affiliation's basis on the listing's page, and the curators'
    action "approve with a disclosure" (permission `disclose_listing`)."""

    def has_disclose_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DISCLOSE)

    @admin.display(description=_("Why affiliated"))
    def affiliation(self, obj: Listing) -> SafeString | str:
        if not obj.pk or not obj.affiliated:
            return "—"
        rows = format_html_join(
            "",
            "<li>{}: {} / {}</li>",
            (
                (
                    _("an individual beneficial owner") if b.is_person else b.owner,
                    "—" if b.platform_share is None else f"{b.platform_share}% {obj.partner}",
                    "—" if b.institution_share is None else f"{b.institution_share}% {obj.course.institution}",
                )
                for b in affiliation_basis(partner=obj.partner, institution=obj.course.institution)
            ),
        )
        return format_html("<ul>{}</ul>", rows)

    @admin.action(description=_("Approve affiliated listings with a disclosure"), permissions=["disclose"])
    def approve_disclosure(self, request: HttpRequest, queryset: QuerySet[Listing]) -> HttpResponse | None:
        modeladmin: Any = self
        listings = list(queryset.select_related("partner", "course__institution"))
        if "apply" in request.POST:
            form = DisclosureForm(request.POST)
            if form.is_valid():
                done = 0
                for listing in listings:
                    with domain_errors_reported(modeladmin, request, about=listing, form=form) as outcome:
                        listing_disclosure_approve(
                            listing=listing,
                            disclosure=form.cleaned_data["disclosure"],
                            disclosure_en=form.cleaned_data["disclosure_en"],
                            actor=Actor.for_request(request),
                        )
                    if not outcome.ok:
                        break
                    done += 1
                if done == len(listings):
                    modeladmin.message_user(
                        request, _("%(count)d listing(s) approved with the disclosure.") % {"count": done}
                    )
                    return None
        else:
            initial = {}
            if len(listings) == 1 and listings[0].affiliated:
                first = listings[0]
                disclosure, english = (
                    (first.disclosure, first.disclosure_en)
                    if first.disclosure
                    else disclosure_draft(partner=first.partner, institution=first.course.institution)
                )
                initial = {"disclosure": disclosure, "disclosure_en": english}
            form = DisclosureForm(initial=initial)
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Approve with a disclosure"),
            "form": form,
            "queryset": listings,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
        }
        return render(request, "admin/action_with_reason.html", context)
