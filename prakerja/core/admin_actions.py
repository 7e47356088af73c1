"""Admin actions that need a reason (or other input) before they act: one confirmation page,
`admin/action_with_reason.html`, which lists the chosen objects and re-posts the action."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


def action_form_or_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin[Any],
    queryset: QuerySet[Any],
    *,
    title: str,
    form_class: type[forms.Form] = ReasonForm,
) -> forms.Form | HttpResponse:
    """The valid form once the page was confirmed, else the page asking for it."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        return form
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action"),
        "opts": model_admin.model._meta,
    }
    return render(request, "admin/action_with_reason.html", context)
