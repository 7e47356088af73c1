"""The duplicate pass: each signal finds the group planted for it and nothing else; passes are
stable (the same people give the same group); a decided group that gains someone opens again."""

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageDraw

from applicants.duplicates.models import DuplicateGroup, DuplicateMember, DuplicateScan, GroupStatus, ScanStatus
from applicants.duplicates.photos import ktp_phash_backfill, photo_phash
from applicants.duplicates.services.scan import PHOTO_MAX_DISTANCE, duplicates_scan
from applicants.models import AccountMatch, Applicant, PayoutAccount, PayoutAccountStatus
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.core.uploads import image_clean
from tests.applicants.duplicates.setups import Someone, background, people

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")


def _account(applicant: Applicant, number: str, status: str = PayoutAccountStatus.ACTIVE) -> None:
    PayoutAccount.objects.create(
        applicant=applicant,
        channel="bri",
        account_number=number,
        holder_name="X",
        match=AccountMatch.EXACT,
        status=status,
    )


def plant_phone() -> set[int]:
    return {a.pk for a in people([Someone(phone="+6281234567890"), Someone(phone="+6281234567890")])}


def plant_payout_account() -> set[int]:
    one, two, three = people([Someone(), Someone(), Someone()])
    _account(one, "0123456789")
    _account(two, "0123-456-789", status=PayoutAccountStatus.REPLACED)  # typed with dashes, used before
    _account(three, "0123456789", status=PayoutAccountStatus.ABANDONED)  # never confirmed: not a signal
    return {one.pk, two.pk}


def plant_email_alias() -> set[int]:
    return {
        a.pk
        for a in people([Someone(email="budi.santoso@gmail.com"), Someone(email="budisantoso+prakerja@googlemail.com")])
    }


def plant_email_series() -> set[int]:
    series = people([Someone(email=f"dewi.lestari{n}@yahoo.co.id") for n in (1, 2, 7)])
    # a long number is not a series (years, phone endings), nor a base under four letters, nor a
    # number after a separator (an organisation's numbering)
    people([Someone(email="dewi.lestari1990@yahoo.co.id"), Someone(email="ani1@yahoo.co.id")])
    people([Someone(email="ani2@yahoo.co.id"), Someone(email="ani3@yahoo.co.id")])
    people([Someone(email=f"kantor.desa.{n}@yahoo.co.id") for n in (1, 2, 3)])
    return {a.pk for a in series}


def plant_name_birth_date() -> set[int]:
    born = dt.date(1988, 3, 4)
    planted = people([Someone(name="Siti Aminah", birth=born), Someone(name="SITI  AMINAH.", birth=born)])
    people([Someone(name="Siti Aminah", birth=dt.date(1988, 3, 5))])  # another birth date: another person
    return {a.pk for a in planted}


def plant_ktp_photo() -> set[int]:
    h = 0x0F0F_3C3C_A5A5_1234
    planted = people([Someone(phash=h), Someone(phash=h ^ 0b11), Someone(phash=h ^ 0b11 ^ (1 << 40))])
    people([Someone(phash=h ^ (0b111 << 20))])  # three bits from the first: another photo
    return {a.pk for a in planted}


PLANTS: dict[str, Callable[[], set[int]]] = {
    "phone": plant_phone,
    "payout_account": plant_payout_account,
    "email_alias": plant_email_alias,
    "email_series": plant_email_series,
    "name_birth_date": plant_name_birth_date,
    "ktp_photo": plant_ktp_photo,
}


@pytest.mark.parametrize("signal", list(PLANTS))
def test_each_signal_finds_its_planted_group_and_nothing_else(signal: str) -> None:
    # Given unrelated people and one planted group of the signal
    background()
    planted = PLANTS[signal]()
    # When the pass runs
    result = duplicates_scan(actor=SYSTEM)
    # Then exactly that group is found, with exactly the planted members, waiting for a verifier
    group = DuplicateGroup.objects.get()
    assert group.signal == signal
    assert group.status == GroupStatus.OPEN
    assert set(group.members.values_list("applicant_id", flat=True)) == planted
    assert group.member_count == len(planted)
    assert result.figures[signal] == {"groups": 1, "new": 1}
    # and the shared value itself is stored nowhere: a keyed hash and a masked hint only
    assert len(group.key) == 64
    for value in ("567890", "0123456789", "santoso", "lestari", "aminah"):
        assert value not in group.hint.lower()


def test_a_pass_again_finds_the_same_groups_and_adds_newcomers_to_them() -> None:
    # Given a group found by a first pass
    background()
    first = plant_phone()
    duplicates_scan(actor=SYSTEM)
    group = DuplicateGroup.objects.get()
    # When the pass runs again with nothing changed, Then nothing new is made
    again = duplicates_scan(actor=SYSTEM)
    assert DuplicateGroup.objects.get().pk == group.pk
    assert DuplicateMember.objects.count() == 2
    assert again.figures["phone"] == {"groups": 1, "new": 0}
    # When a third account with the same phone appears, Then it joins the same group
    (third,) = people([Someone(phone="+6281234567890")])
    duplicates_scan(actor=SYSTEM)
    group.refresh_from_db()
    assert DuplicateGroup.objects.count() == 1
    assert set(group.members.values_list("applicant_id", flat=True)) == first | {third.pk}
    assert group.member_count == 3
    # and every pass is recorded and audited with counts only
    assert DuplicateScan.objects.filter(status=ScanStatus.DONE).count() == 3
    assert AuditEvent.objects.filter(action="duplicates.scanned").count() == 3


def test_a_cleared_group_that_gains_someone_opens_again() -> None:
    # Given a group a verifier cleared
    background()
    plant_phone()
    duplicates_scan(actor=SYSTEM)
    DuplicateGroup.objects.update(
        status=GroupStatus.CLEARED, decision_reason="Kakak beradik", decided_at=timezone.now()
    )
    # When someone new shares the phone
    people([Someone(phone="+6281234567890")])
    result = duplicates_scan(actor=SYSTEM)
    # Then the group waits for a verifier again (the newcomer was never reviewed)
    group = DuplicateGroup.objects.get()
    assert group.status == GroupStatus.OPEN
    assert group.reopened_at is not None
    assert result.reopened == [group.pk]


def test_anonymised_people_are_left_out() -> None:
    # Given two people sharing a phone, one anonymised by the retention job
    _one, two = people([Someone(phone="+6281299990000"), Someone(phone="+6281299990000")])
    Applicant.objects.filter(pk=two.pk).update(anonymised_at=timezone.now())
    # When the pass runs, Then no group
    duplicates_scan(actor=SYSTEM)
    assert not DuplicateGroup.objects.exists()


def test_the_same_photo_uploaded_twice_hashes_alike_and_the_backfill_hashes_old_photos() -> None:
    # Given a KTP-like picture uploaded once as taken and once resized and compressed harder
    picture = Image.new("RGB", (1600, 1000), (40, 90, 200))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((80, 120, 600, 840), fill=(230, 230, 230))
    draw.text((700, 160), "PROVINSI JAWA BARAT", fill=(0, 0, 0))
    draw.ellipse((1000, 400, 1400, 800), fill=(200, 40, 40))
    taken, smaller = io.BytesIO(), io.BytesIO()
    picture.save(taken, format="JPEG", quality=95)
    picture.resize((1200, 750)).save(smaller, format="JPEG", quality=60)
    # When both are stored as uploads are (re-encoded), Then their hashes are within the pass's distance
    stored = [image_clean(SimpleUploadedFile(f"{n}.jpg", f.getvalue())).read() for n, f in enumerate((taken, smaller))]
    a, b = (photo_phash(data) for data in stored)
    assert bin((a ^ b) & ((1 << 64) - 1)).count("1") <= PHOTO_MAX_DISTANCE
    original = io.BytesIO(stored[0])
    # Given an applicant whose photo was stored before hashing existed
    (applicant,) = people([Someone()])
    applicant.ktp_photo.save("ktp.jpg", ContentFile(original.getvalue()), save=True)
    assert Applicant.objects.get(pk=applicant.pk).ktp_phash is None
    # When the backfill runs (also as a command), Then the photo is hashed once
    assert ktp_phash_backfill() == 1
    assert Applicant.objects.get(pk=applicant.pk).ktp_phash == a
    call_command("ktp_phash_backfill", stdout=io.StringIO())
    assert Applicant.objects.get(pk=applicant.pk).ktp_phash == a
