"""The programme-wide face search index (issue 22): a face becomes searchable when it is
verified (the selfie journey, a verifier's approval), leaves the index when the person is
erased, and faces verified before the index are put in by the backfill. The codes are fixed
(the same hyperplanes on every machine), and a search compares exactly only the candidates."""

import hashlib
from typing import Any

import numpy as np
import pytest

from applicants.data_rights.services import account_delete
from applicants.models import FaceIndexEntry, Step, VerificationStatus
from applicants.privacy.retention import retention_run
from applicants.verification.face_index import (
    face_index_backfill,
    face_index_candidates,
    face_index_match,
    face_index_put,
)
from applicants.verification.services import identity_review_decide
from prakerja.core.actor import Actor
from prakerja.identity import face_index, faces
from tests import faces as photos
from tests.applicants.privacy.test_retention import backdate
from tests.applicants.verification.test_selfie import unverified, verify
from tests.factories import DEFAULT_PASSWORD, ApplicantFactory, StaffUserFactory, verified_selfie_for

pytestmark = pytest.mark.django_db

# The codes of fixed vectors with version 1's hyperplanes: a change of seed, tables, bits or of
# the way the hyperplanes are drawn changes it, and then every stored code must be rebuilt.
CODES_V1_SHA256 = "e6fcfdefd6d07d2140200f7d229dc1d669e75f42f562aa7f964a85017fd2dd8d"


@pytest.fixture(autouse=True)
def _setup(regions: None, staff_groups: None) -> None:
    """Applicants need provinces; the verifiers their group."""


def descriptor_of(photo: bytes) -> np.ndarray:
    found = faces.analyse(photo, judge=False)
    assert found.descriptor is not None
    return found.descriptor


def fixed_vectors() -> np.ndarray:
    words = np.frombuffer(hashlib.shake_256(b"face-index-test-vectors").digest(20 * 128 * 4), dtype="<u4")
    return (words.astype(np.float64) / 2**32 - 0.5).reshape(20, 128)


def test_the_codes_are_fixed_and_do_not_depend_on_the_distance_from_the_centre() -> None:
    # given fixed vectors, when their codes are computed
    codes = face_index.codes_many(fixed_vectors())
    # then they are those of version 1, whatever the machine or numpy
    assert codes.shape == (20, face_index.TABLES)
    assert hashlib.sha256(codes.astype("<i8").tobytes()).hexdigest() == CODES_V1_SHA256
    # and a descriptor further or nearer in the same direction from the centre has the same codes
    further = face_index.CENTRE + (fixed_vectors() - face_index.CENTRE) * 3.5
    assert (face_index.codes_many(further) == codes).all()
    # and each key names its table
    keys = face_index.keys(fixed_vectors()[0])
    assert [key >> face_index.TABLE_BITS for key in keys] == list(range(face_index.TABLES))


def test_a_verified_selfie_is_searchable_at_once() -> None:
    # given an applicant whose live, matching selfie is verified
    applicant = unverified()
    done = verify(applicant, "Kota Bandung")
    assert done.status == VerificationStatus.VERIFIED
    # then her face is in the index, and the astronaut's face finds her account
    entry = FaceIndexEntry.objects.get(applicant=applicant)
    assert entry.version == face_index.VERSION
    assert len(entry.keys) == face_index.TABLES
    assert face_index_match(descriptor_of(photos.selfie())) == applicant.pk
    # but not for herself
    assert face_index_match(descriptor_of(photos.selfie()), exclude=applicant.pk) is None


def test_a_selfie_waiting_for_a_verifier_is_searchable_once_approved() -> None:
    # given a selfie sent to review (the birth place differs from the registry's)
    applicant = unverified()
    done = verify(applicant, "Medan")
    assert done.status == VerificationStatus.REVIEW
    assert not FaceIndexEntry.objects.filter(applicant=applicant).exists()
    # when a verifier approves it
    verifier = StaffUserFactory.create(group="verifier")
    identity_review_decide(verification=done, approve=True, note="", actor=Actor.for_user(verifier))
    # then the face is in the index
    assert face_index_match(descriptor_of(photos.selfie())) == applicant.pk


def test_the_search_finds_the_same_second_person_and_no_one_else(django_assert_num_queries: Any) -> None:
    # given Obama, Biden and the astronaut verified on three accounts
    obama, biden, astronaut = (ApplicantFactory.create(reached=Step.READY) for _ in range(3))
    verified_selfie_for(obama, photo=photos.portrait("obama2"))
    verified_selfie_for(biden, photo=photos.portrait("biden"))
    verified_selfie_for(astronaut)
    live = descriptor_of(photos.portrait("obama"))
    # when Obama's other photograph is searched: two queries (the candidates, their descriptors),
    # the first in a savepoint of its own with the planner's setting (SET LOCAL)
    with django_assert_num_queries(5):
        found = face_index_match(live)
    # then his account is found (among the candidates, the exact distance decides)
    assert found == obama.pk
    assert obama.pk in face_index_candidates(live)
    # and a face verified nowhere else is nobody's
    assert face_index_match(descriptor_of(photos.portrait("biden")), exclude=biden.pk) is None


def test_a_newer_verified_face_replaces_the_older() -> None:
    applicant = ApplicantFactory.create(reached=Step.READY)
    face_index_put(applicant_id=applicant.pk, descriptor=descriptor_of(photos.portrait("biden")))
    verified_selfie_for(applicant, photo=photos.portrait("obama2"))
    assert FaceIndexEntry.objects.filter(applicant=applicant).count() == 1
    assert face_index_match(descriptor_of(photos.portrait("obama"))) == applicant.pk


def test_a_deleted_account_leaves_the_index() -> None:
    # given an applicant, never selected, with a verified face
    applicant = ApplicantFactory.create(reached=Step.READY)
    verified_selfie_for(applicant)
    # when she deletes her account
    account_delete(applicant=applicant, password=DEFAULT_PASSWORD)
    # then her face's codes are gone
    assert not FaceIndexEntry.objects.filter(applicant=applicant).exists()
    assert face_index_match(descriptor_of(photos.selfie())) is None


def test_the_retention_job_erases_the_faces_codes_with_the_descriptor() -> None:
    # given a never-participant past the period with a verified face, and a recent one
    gone, recent = ApplicantFactory.create(reached=Step.READY), ApplicantFactory.create(reached=Step.READY)
    verified_selfie_for(gone, photo=photos.portrait("biden"))
    verified_selfie_for(recent)
    backdate(gone)
    # when the job runs
    retention_run()
    # then the old face's codes are gone with its descriptor; the recent one stays searchable
    assert not FaceIndexEntry.objects.filter(applicant=gone).exists()
    assert FaceIndexEntry.objects.filter(applicant=recent).exists()


def test_the_backfill_indexes_faces_verified_before_the_index(django_assert_max_num_queries: Any) -> None:
    # given three verified applicants whose faces are not indexed, one already indexed, one unverified
    people = [ApplicantFactory.create(reached=Step.READY) for _ in range(4)]
    for person, photo in zip(people, ("obama2", "biden", "obama3", "biden"), strict=True):
        verified_selfie_for(person, photo=photos.portrait(photo))
    FaceIndexEntry.objects.filter(applicant__in=people[:3]).delete()
    ApplicantFactory.create(reached=Step.IDENTITY, verified=False)
    # when the backfill runs in batches of two: a fixed number of queries a batch (ids, those
    # indexed, their descriptors, one insert), not one a face
    with django_assert_max_num_queries(16):
        indexed = face_index_backfill(batch=2)
    # then the three are indexed and findable, the indexed one untouched
    assert indexed == 3
    assert FaceIndexEntry.objects.filter(applicant__in=people).count() == 4
    assert face_index_match(descriptor_of(photos.portrait("obama")), exclude=people[2].pk) == people[0].pk
    # and a second run has nothing to do; a rebuild does them all
    assert face_index_backfill(batch=2) == 0
    assert face_index_backfill(batch=100, rebuild=True) == 4
