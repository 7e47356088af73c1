from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from applicants.models import Province
from courses.models import Category, LearningMethod
from partners.models import Partner, PartnerStatus
from prakerja.core.widgets import FastSelect

SORT_CHOICES = [
    ("relevance", _("Most relevant")),
    ("price", _("Lowest price")),
    ("-price", _("Highest price")),
    ("rating", _("Best rated")),
    ("newest", _("Newest")),
]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search courses"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=FastSelect)
    method = forms.ChoiceField(
        label=_("Learning method"),
        required=False,
        choices=[("", _("All")), *LearningMethod.choices],
        widget=FastSelect,
    )
    province = forms.ChoiceField(label=_("Province (offline classes)"), required=False, widget=FastSelect)
    platform = forms.ChoiceField(label=_("Platform"), required=False, widget=FastSelect)
    price_min = forms.IntegerField(label=_("Price from (Rp)"), required=False, min_value=0)
    price_max = forms.IntegerField(label=_("Price up to (Rp)"), required=False, min_value=0)
    min_rating = forms.ChoiceField(
        label=_("Minimum rating"),
        required=False,
        choices=[("", _("Any")), ("3", "3+"), ("4", "4+"), ("4.5", "4.5+")],
        widget=FastSelect,
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES, widget=FastSelect)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = filter_choices()
        self.fields["category"].choices = [("", _("All")), *choices["category"]]  # type: ignore[attr-defined]
        self.fields["province"].choices = [("", _("All")), *choices["province"]]  # type: ignore[attr-defined]
        self.fields["platform"].choices = [("", _("All")), *choices["platform"]]  # type: ignore[attr-defined]


FILTER_CHOICES_TTL = 300


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Categories, provinces and selling platforms change rarely; every catalogue page needs
    them. Cached for five minutes (a new category shows up within that time)."""
    cached = cache.get("catalogue:filter-choices")
    if cached is None:
        cached = {
            "category": list(Category.objects.values_list("slug", "name")),
            "province": list(Province.objects.values_list("code", "name")),
            "platform": list(Partner.objects.filter(status=PartnerStatus.ACTIVE).values_list("slug", "name")),
        }
        cache.set("catalogue:filter-choices", cached, FILTER_CHOICES_TTL)
    return cached
