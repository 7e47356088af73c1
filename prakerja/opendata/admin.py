from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prakerja.core.admin_base import ReadOnlyAdmin
from prakerja.opendata.models import OpenDataRelease


@admin.register(OpenDataRelease)
class OpenDataReleaseAdmin(ReadOnlyAdmin):
    list_display = ("date", "published_at", "data_sets")
    date_hierarchy = "date"
    fields = ("date", "published_at", "computed_at", "totals", "tables")

    @admin.display(description=_("data sets"))
    def data_sets(self, obj: OpenDataRelease) -> str:
        return ", ".join(obj.tables)
