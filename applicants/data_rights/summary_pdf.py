"""The PDF summary of an access request: who the person is to the portal and how many rows each
part of the portal holds about them (the rows themselves are in data.json beside it)."""

from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from applicants.registration.models import Applicant

# The applicant's own fields shown in the summary (all of them are in data.json).
SHOWN = ("full_name", "birth_date", "gender", "phone", "address", "step")

# The PDF's built-in fonts cover Latin-1; anything else (rare in names) is shown as '?'.
_FONT = "Helvetica"


def _text(value: Any) -> str:
    return str(value if value not in (None, "") else "-").encode("latin-1", "replace").decode("latin-1")


def access_summary_pdf(*, data: dict[str, Any]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_text(_("Your data in the Kartu Prakerja portal")))
    pdf.add_page()
    pdf.set_font(_FONT, style="B", size=15)
    pdf.multi_cell(0, 8, _text(_("Your data in the Kartu Prakerja portal")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, size=9)
    generated = timezone.localtime(data["generated_at"]).strftime("%Y-%m-%d %H:%M %Z")
    pdf.multi_cell(0, 5, _text(_("Prepared on %(date)s.") % {"date": generated}), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        5,
        _text(_("Every value, in full, is in the file data.json beside this summary. Keep both safe.")),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    def section(title: str, rows: list[tuple[str, Any]]) -> None:
        pdf.ln(3)
        pdf.set_font(_FONT, style="B", size=11)
        pdf.multi_cell(0, 7, _text(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(_FONT, size=9)
        with pdf.table(col_widths=(60, 120), text_align="LEFT", first_row_as_headings=False) as table:
            for label, value in rows:
                row = table.row()
                row.cell(_text(label))
                row.cell(_text(value))

    account = data["account"]
    section(_("Account"), [(_("Email"), account["email"]), (_("Name"), account["full_name"])])
    profile = data["applicant"]
    fields = {field.name: field for field in Applicant._meta.concrete_fields}
    rows = [(str(fields[key].verbose_name), profile.get(key)) for key in SHOWN if key in fields]
    section(_("Registration"), [(_("NIK"), profile.get("nik")), *rows])
    held = [
        (str(apps.get_model(label)._meta.verbose_name_plural), len(items))
        for label, items in sorted(data["related"].items())
        if items
    ]
    section(_("What the portal holds about you"), held or [("-", 0)])
    return bytes(pdf.output())
