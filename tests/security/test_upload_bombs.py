"""Decompression bombs and upload flooding (issue 18, item 10): a 100 KB PNG that decodes to
6000x6000 pixels (~250 MB, seconds of CPU in a sync worker), a photo of many megabytes kept in
memory or on disk, and the same upload repeated without limit. Dimensions must be refused from
the header before any pixel is decoded, bytes past the size limit never kept, and uploads
rate-limited per user and address, with a clear message and the rest of the form kept."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageFile

from applicants.models import Step
from tests.factories import ApplicantFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _regions(regions: None) -> None:
    """The personal step asks for a province and regency."""


def logged_in(applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def personal_data(photo) -> dict[str, object]:
    return {
        "address": "Jl. Braga No. 10",
        "province": "32",
        "regency": "3273",
        "education": "sma",
        "marital_status": "single",
        "dependants": "1",
        "employment_status": "laid_off",
        "training_interests": ["digital"],
        "honesty_declared": "on",
        "ktp_photo": photo,
    }


def png(width: int, height: int) -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (0, 0, 0)).save(output, format="PNG", optimize=True)
    return SimpleUploadedFile("ktp.png", output.getvalue(), content_type="image/png")


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The sizes of the images whose pixels were decoded."""
    sizes: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def load(self):
        sizes.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


def test_a_decompression_bomb_is_refused_before_a_pixel_is_decoded(decoded):
    # given a PNG of a few dozen KB that would decode to 6000x6000 pixels
    bomb = png(6000, 6000)
    assert bomb.size is not None
    assert bomb.size < 200_000
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)

    # when it is uploaded as the KTP photo
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data(bomb))

    # then it is refused next to the field, the rest kept, and nothing was decoded
    assert response.status_code == 200
    assert "ktp_photo" in response.context["form"].errors
    assert response.context["form"]["address"].value() == "Jl. Braga No. 10"
    assert decoded == []
    applicant.refresh_from_db()
    assert not applicant.ktp_photo


def test_a_photo_above_a_phone_cameras_resolution_is_refused(decoded):
    # a 20-megapixel image (5472x3648) is more than a KTP photo needs
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data(jpeg(5472, 3648)))
    assert "ktp_photo" in response.context["form"].errors
    assert decoded == []


def test_a_phone_cameras_12_megapixel_photo_is_accepted_and_kept_smaller():
    # given a photo as a phone's normal camera takes it (4032x3024)
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)

    # when it is uploaded
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data(jpeg(4032, 3024)))

    # then it is accepted and stored with its long side at most 2400 pixels
    assert response.status_code == 302
    applicant.refresh_from_db()
    with applicant.ktp_photo.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) <= 2400


def test_bytes_past_the_size_limit_are_never_kept(monkeypatch, settings):
    # given handlers that record how many bytes they were given to keep
    kept = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def counting(self, raw_data, start, _original=original):
            # The memory handler passes data on unless it is the one holding the file.
            if getattr(self, "activated", True):
                kept["bytes"] += len(raw_data)
            return _original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", counting)
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    big = SimpleUploadedFile("ktp.jpg", os.urandom(6 * 1024 * 1024), content_type="image/jpeg")

    # when a 6 MB "photo" is uploaded (the limit is 4 MB)
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data(big))

    # then at most the limit (plus one read chunk) was kept, and the form says why, the rest kept
    assert kept["bytes"] <= settings.UPLOAD_IMAGE_MAX_BYTES + 64 * 1024
    errors = " ".join(response.context["form"].errors["ktp_photo"])
    assert "4 MB" in errors
    assert response.context["form"]["address"].value() == "Jl. Braga No. 10"


def test_a_request_body_over_the_hard_cap_is_not_read(settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 1024 * 1024
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    big = SimpleUploadedFile("ktp.jpg", os.urandom(2 * 1024 * 1024), content_type="image/jpeg")
    response = logged_in(applicant).post(reverse("applicants:personal"), personal_data(big))
    assert response.status_code == 400


def test_uploads_are_rate_limited_per_user_with_the_form_kept(settings):
    # given an applicant who already uploaded ten photos this hour
    settings.RATELIMIT_UPLOADS_USER = "10/h"
    applicant = ApplicantFactory.create(reached=Step.PERSONAL)
    client = logged_in(applicant)
    junk = b"\x89PNG not really"
    for _ in range(10):
        client.post(reverse("applicants:personal"), personal_data(SimpleUploadedFile("k.png", junk)))

    # when they upload an eleventh, this time a good photo
    response = client.post(reverse("applicants:personal"), personal_data(jpeg()))

    # then it is refused with a clear message next to the photo, and what they typed is kept
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["ktp_photo"])
    assert "jam" in errors or "hour" in errors
    assert response.context["form"]["address"].value() == "Jl. Braga No. 10"
    applicant.refresh_from_db()
    assert not applicant.ktp_photo


def test_staff_uploads_such_as_registry_lists_are_not_capped(staff_groups):
    # given the upload handler for a staff request and for an applicant's
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from prakerja.core.uploads import CappedUploadHandler
    from tests.factories import StaffUserFactory

    chunk = b"3273015705960002\n" * 400_000  # ~6.8 MB of a registry list
    results = {}
    for who, user in (("staff", StaffUserFactory.create(group="pmo_admin")), ("anonymous", AnonymousUser())):
        request = RequestFactory().post("/")
        request.user = user
        handler = CappedUploadHandler(request)
        handler.new_file("file", "registry.csv", "text/csv", len(chunk))

        # when a file larger than the photo limit passes through it
        passed = handler.receive_data_chunk(chunk, 0)
        results[who] = (passed is not None, handler.file_complete(len(chunk)))

    # then staff files pass whole to the next handler; others are cut to the limit
    assert results["staff"] == (True, None)
    passed_on, oversize = results["anonymous"]
    assert not passed_on
    assert oversize is not None
    assert oversize.size == len(chunk)
