"""Complaints: an applicant files one from the dashboard (photo checked like the KTP), the desk
takes, answers, escalates and resolves it, the applicant is told and sees the replies; service
levels per category with the overdue list; nobody reaches another person's complaint."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applicants.complaints.selectors import complaint_attachment_url
from applicants.complaints.services import complaint_file
from applicants.models import Complaint, ComplaintMessage, ComplaintStatus, Step
from prakerja.audit.models import AuditEvent
from prakerja.messaging.models import SandboxMessage
from tests.conftest import run_after_commit_tasks
from tests.factories import ApplicantFactory, StaffUserFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; the desk needs its groups."""


def applicant_client(reached: Step = Step.READY) -> tuple[Client, object]:
    applicant = ApplicantFactory.create(reached=reached)
    client = Client()
    client.force_login(applicant.user)
    return client, applicant


def staff_client(group: str) -> tuple[Client, object]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


def file_one(applicant: object, category: str = "incentive") -> Complaint:
    return complaint_file(
        applicant=applicant,  # type: ignore[arg-type]
        category=category,
        subject="Insentif belum masuk",
        body="Sudah 2 minggu insentif belum masuk ke rekening saya.",
    )


def test_an_applicant_files_a_complaint_with_a_photo_from_the_dashboard(django_capture_on_commit_callbacks):
    # given an applicant on the dashboard, which offers to file a complaint
    client, applicant = applicant_client()
    dashboard = client.get(reverse("applicants:dashboard")).content.decode()
    assert reverse("applicants:complaint-new") in dashboard

    # when they file one about registration with a screenshot
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("applicants:complaint-new"),
            {
                "category": "registration",
                "subject": "Kode OTP tidak masuk",
                "body": "Saya sudah tiga kali minta kode tapi SMS tidak datang.",
                "attachment": jpeg(name="layar.png"),
            },
        )
    run_after_commit_tasks(callbacks)

    # then it is stored with its service-level target and the photo, and they are told
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:complaint", args=[complaint.pk])
    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.due_at == complaint.created_at + dt.timedelta(hours=72)
    assert complaint.attachment.name.startswith("private/complaints/")
    ack = SandboxMessage.objects.get(reference__startswith=f"complaint-filed:{complaint.pk}")
    assert ack.to == applicant.user.email  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="complaint.filed", object_id=str(complaint.pk)).exists()
    # and the page shows it with its status, the photo to its owner
    page = client.get(response["Location"]).content.decode()
    assert "Kode OTP tidak masuk" in page
    assert "Terbuka" in page
    photo = client.get(complaint_attachment_url(complaint=complaint))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_lost():
    # given an applicant writing a complaint
    client, _applicant = applicant_client()

    # when the attachment is not an image
    response = client.post(
        reverse("applicants:complaint-new"),
        {
            "category": "other",
            "subject": "Lampiran",
            "body": "Isi pengaduan yang panjang.",
            "attachment": SimpleUploadedFile("bukti.jpg", b"<script>alert(1)</script>", content_type="image/jpeg"),
        },
    )

    # then the form comes back in Indonesian with what was typed, and nothing is filed
    page = response.content.decode()
    assert response.status_code == 200
    assert "Berkas ini bukan foto" in page
    assert "Isi pengaduan yang panjang." in page
    assert not Complaint.objects.exists()


def test_the_desk_takes_answers_escalates_and_resolves_and_the_applicant_is_told(django_capture_on_commit_callbacks):
    # given a filed complaint and a verifier at the desk, and a PMO administrator
    client, applicant = applicant_client()
    complaint = file_one(applicant)
    desk, verifier = staff_client("verifier")
    _admin_client, pmo_admin = staff_client("pmo_admin")
    page = reverse("admin:applicants_complaint_change", args=[complaint.pk])
    work = reverse("admin:applicants_complaint_work", args=[complaint.pk])
    assert desk.get(page).status_code == 200

    # when the verifier takes it and answers
    desk.post(work, {"action": "take"})
    with django_capture_on_commit_callbacks() as callbacks:
        desk.post(work, {"action": "reply", "body": "Transfer Anda sedang diproses bank, mohon tunggu 3 hari."})
    run_after_commit_tasks(callbacks)

    # then it is theirs and in progress, and the applicant gets an email and an SMS
    complaint.refresh_from_db()
    assert complaint.assigned_to == verifier
    assert complaint.status == ComplaintStatus.IN_PROGRESS
    assert complaint.first_reply_at is not None
    reply = ComplaintMessage.objects.get(from_staff=True, internal=False)
    assert SandboxMessage.objects.filter(reference__startswith=f"complaint-reply:{reply.pk}").exists()
    assert SandboxMessage.objects.filter(
        reference__startswith=f"complaint-reply-sms:{reply.pk}", channel="sms"
    ).exists()
    mine = client.get(reverse("applicants:complaint", args=[complaint.pk])).content.decode()
    assert "mohon tunggu 3 hari" in mine

    # when the applicant adds a message and the verifier escalates with a reason
    client.post(reverse("applicants:complaint", args=[complaint.pk]), {"body": "Sudah lewat 3 hari."})
    with django_capture_on_commit_callbacks() as callbacks:
        desk.post(work, {"action": "escalate", "body": "Perlu dicek ke bank penyalur."})
    run_after_commit_tasks(callbacks)

    # then the PMO administrators are told, and the note stays internal
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ESCALATED
    assert SandboxMessage.objects.filter(to=pmo_admin.email, reference__startswith="complaint-escalated:").exists()  # type: ignore[attr-defined]
    mine = client.get(reverse("applicants:complaint", args=[complaint.pk])).content.decode()
    assert "Sudah lewat 3 hari." in mine
    assert "bank penyalur" not in mine

    # when it is resolved with an answer
    with django_capture_on_commit_callbacks() as callbacks:
        desk.post(work, {"action": "resolve", "body": "Dana sudah masuk pada 12 November."})
    run_after_commit_tasks(callbacks)

    # then the applicant is told, sees it resolved and can no longer add to it
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED
    assert complaint.resolved_at is not None
    mine = client.get(reverse("applicants:complaint", args=[complaint.pk])).content.decode()
    assert "Selesai" in mine
    assert 'name="body"' not in mine
    client.post(reverse("applicants:complaint", args=[complaint.pk]), {"body": "Lagi"})
    assert complaint.messages.count() == 4
    # and every desk action is in the audit trail
    actions = set(AuditEvent.objects.filter(object_id=str(complaint.pk)).values_list("action", flat=True))
    assert {"complaint.filed", "complaint.assigned", "complaint.replied", "complaint.escalated"} <= actions
    assert "complaint.resolved" in actions


def test_an_empty_answer_is_refused_with_a_message():
    # given a complaint at the desk
    _client, applicant = applicant_client()
    complaint = file_one(applicant)
    desk, _verifier = staff_client("verifier")

    # when the desk sends an empty answer
    response = desk.post(
        reverse("admin:applicants_complaint_work", args=[complaint.pk]), {"action": "reply", "body": " "}, follow=True
    )

    # then nothing is sent and the desk is told why
    assert "Tulis jawabannya." in response.content.decode()
    assert not complaint.messages.exists()


def test_overdue_complaints_are_listed_per_category_target():
    # given a purchase complaint filed 3 days ago (target 48 h) and an incentive one today (72 h)
    _client, applicant = applicant_client()
    late = file_one(applicant, category="purchase")
    Complaint.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3), due_at=timezone.now() - dt.timedelta(days=1)
    )
    fresh = file_one(applicant, category="incentive")
    resolved_late = file_one(applicant, category="purchase")
    Complaint.objects.filter(pk=resolved_late.pk).update(
        status=ComplaintStatus.RESOLVED, due_at=timezone.now() - dt.timedelta(days=1)
    )
    desk, _verifier = staff_client("verifier")

    # when the desk lists the overdue ones
    response = desk.get(reverse("admin:applicants_complaint_changelist"), {"sla": "overdue"})

    # then only the unresolved late one is there
    shown = [c.pk for c in response.context["cl"].result_list]
    assert shown == [late.pk]
    assert fresh.due_at is not None
    assert fresh.due_at - fresh.created_at == dt.timedelta(hours=72)


def test_the_queue_takes_a_fixed_number_of_queries():
    # given a queue of complaints, some assigned
    _client, applicant = applicant_client()
    desk, verifier = staff_client("verifier")
    for n in range(3):
        complaint = file_one(applicant)
        if n % 2 == 0:
            Complaint.objects.filter(pk=complaint.pk).update(assigned_to=verifier)
    url = reverse("admin:applicants_complaint_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url).status_code == 200
        return len(captured)

    few = queries()
    # when there are many more
    for n in range(20):
        complaint = file_one(applicant, category="training")
        if n % 2 == 0:
            Complaint.objects.filter(pk=complaint.pk).update(assigned_to=StaffUserFactory.create(group="verifier"))

    # then the list costs the same
    assert queries() == few


def test_nobody_reaches_another_persons_complaint():
    # given one applicant's complaint with a photo
    _owner_client, owner = applicant_client()
    complaint = complaint_file(
        applicant=owner,  # type: ignore[arg-type]
        category="other",
        subject="Data pribadi",
        body="Rahasia.",
        attachment=jpeg(),
    )
    other, _other_applicant = applicant_client()

    # when another applicant asks for it, its photo, or writes to it
    # then each is not found, and nothing is added
    assert other.get(reverse("applicants:complaint", args=[complaint.pk])).status_code == 404
    assert other.get(complaint_attachment_url(complaint=complaint)).status_code == 404
    assert other.post(reverse("applicants:complaint", args=[complaint.pk]), {"body": "x"}).status_code == 404
    assert not complaint.messages.exists()
    # and their own list does not show it
    assert "Data pribadi" not in other.get(reverse("applicants:complaints")).content.decode()


@pytest.mark.parametrize(
    ("group", "sees", "works"),
    [
        ("verifier", 200, True),
        ("pmo_admin", 200, True),
        ("auditor", 200, False),
        ("curator", 403, False),
        ("finance", 403, False),
    ],
)
def test_who_may_see_and_work_the_desk(group, sees, works):
    # given a complaint
    _client, applicant = applicant_client()
    complaint = file_one(applicant)
    desk, _user = staff_client(group)

    # when this group opens the queue and tries to take the complaint
    listed = desk.get(reverse("admin:applicants_complaint_changelist")).status_code
    taken = desk.post(reverse("admin:applicants_complaint_work", args=[complaint.pk]), {"action": "take"})

    # then it answers as the group's job says
    complaint.refresh_from_db()
    assert listed == sees
    assert (complaint.assigned_to_id is not None) is works
    if not works:
        assert taken.status_code == 403
