"""factory_boy factories shared by every test folder."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from applicants.models import (
    Applicant,
    BlockReason,
    IdentityVerification,
    NoticeAcceptance,
    Question,
    Regency,
    Scheme,
    Step,
    VerificationSource,
    VerificationStatus,
    Wave,
    WaveMember,
    WaveStatus,
)
from applicants.privacy.selectors import notice_current
from applicants.registration.nik import Gender, build_nik
from applicants.registration.services.identity import kk_blind_index, nik_blind_index
from courses.models import Category, Course, CourseSession, Schedule, Trainer, TrainingInstitution
from partners.models import Listing, Partner, PartnerStatus
from prakerja.accounts.models import User
from prakerja.core.crypto import encrypt_bytes, encrypt_value, mask_identifier
from prakerja.identity.sandbox import sandbox_person_register

DEFAULT_PASSWORD = "Kata-Sandi-Uji-2026"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    full_name = factory.Faker("name", locale="id_ID")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", DEFAULT_PASSWORD)
        email = kwargs.pop("email")
        return model_class.objects.create_user(email, password, **kwargs)


class StaffUserFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def group(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))


class PartnerFactory(factory.django.DjangoModelFactory[Partner]):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Platform {n}")
    slug = factory.Sequence(lambda n: f"platform-{n}")
    legal_name = factory.LazyAttribute(lambda o: f"PT {o.name}")
    status = PartnerStatus.ACTIVE


class ApplicantFactory(factory.django.DjangoModelFactory[Applicant]):
    """An applicant who reached `step`, with data as the services would have stored it."""

    class Meta:
        model = Applicant

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class: type[Applicant], *args: Any, **kwargs: Any) -> Applicant:
        reached: Step = kwargs.pop("reached", Step.VERIFY_EMAIL)
        birth: dt.date = kwargs.pop("birth", dt.date(1995, 5, 17))
        kk: str | None = kwargs.pop("kk", None)
        accepted_notice: bool = kwargs.pop("accepted_notice", True)
        # Past the identity step: verified against the civil registry unless told otherwise, and
        # in the sandbox registry's population (its photo given by `registry_photo`).
        verified: bool = kwargs.pop("verified", True)
        in_registry: bool = kwargs.pop("in_registry", True)
        registry_photo: bytes | None = kwargs.pop("registry_photo", None)
        applicant = model_class(**kwargs)
        order = [s.value for s in Step]
        level = order.index(reached)
        now = timezone.now()
        n = applicant.user.pk
        applicant.step = reached
        if level >= 1:
            applicant.email_verified_at = now
        if level >= 2:
            district = f"3273{(n // 9999) % 100:02d}"
            # Each applicant its own family card unless one is given.
            kk = kk or f"3273{n % 10**12:012d}"
            nik = build_nik(district_code=district, birth_date=birth, gender=Gender.MALE, serial=n % 9999 + 1)
            applicant.nik_encrypted = encrypt_value(nik)
            applicant.nik_index = nik_blind_index(nik)
            applicant.nik_masked = mask_identifier(nik)
            applicant.kk_encrypted = encrypt_value(kk)
            applicant.kk_index = kk_blind_index(kk)
            applicant.kk_masked = mask_identifier(kk)
            applicant.full_name = applicant.user.full_name or "Budi Santoso"
            applicant.birth_date = applicant.nik_birth_date = birth
            applicant.gender = "M"
            applicant.identity_completed_at = now
            applicant.birth_place = applicant.birth_place or "Bandung"
            if verified:
                applicant.identity_verified_at = now
        if level >= 3:
            applicant.phone = f"+628121{n:07d}"
            applicant.phone_verified_at = now
        if level >= 4:
            regency = Regency.objects.select_related("province").get(code="3273")
            applicant.address = "Jl. Braga No. 1"
            applicant.province = regency.province
            applicant.regency = regency
            applicant.education = "sma"
            applicant.marital_status = "single"
            applicant.dependants = 0
            applicant.employment_status = "laid_off"
            applicant.training_interests = ["digital"]
            applicant.honesty_declared_at = applicant.personal_completed_at = now
        if level >= 5:
            applicant.basic_test_completed_at = now
            applicant.basic_test_score = 80
        applicant.save()
        if level >= 2 and in_registry:
            sandbox_person_register(
                nik=nik,
                full_name=applicant.full_name,
                birth_date=birth,
                birth_place=applicant.birth_place,
                photo=registry_photo,
            )
        if accepted_notice and (notice := notice_current()) is not None:
            # As registration records it: the notice in force was accepted with the account.
            NoticeAcceptance.objects.create(applicant=applicant, notice=notice, accepted_at=now)
        return applicant


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    class Meta:
        model = Question

    category = "ability"
    text = factory.Sequence(lambda n: f"Pertanyaan {n}: berapa 1 + {n}?")
    choices = factory.LazyAttribute(lambda o: ["1", "2", "3", "4"])
    correct_choice = 1


class SchemeFactory(factory.django.DjangoModelFactory[Scheme]):
    """The 2023-2024 "normal" scheme by default."""

    class Meta:
        model = Scheme
        django_get_or_create = ("name",)

    name = "Normal 2023-2024"
    effective_from = dt.date(2023, 1, 1)
    training_balance = 3_500_000
    incentive_amount = 600_000
    incentive_count = 1
    survey_amount = 50_000
    survey_count = 2
    first_purchase_days = 15
    min_age = 18
    max_age = 64
    exclude_social_aid = False
    max_recipients_per_family_card = 2
    min_course_hours = 15


class InstitutionFactory(factory.django.DjangoModelFactory[TrainingInstitution]):
    class Meta:
        model = TrainingInstitution

    legal_name = factory.Sequence(lambda n: f"PT Lembaga Pelatihan {n}")
    brand = factory.Sequence(lambda n: f"Lembaga {n}")
    business_number = factory.Sequence(lambda n: f"91200{n:08d}")
    contact_email = factory.Sequence(lambda n: f"lp{n}@contoh.id")
    client_code = factory.Sequence(lambda n: f"lp-{n}")
    status = "approved"
    attendance_redirect_hosts = factory.LazyFunction(lambda: ["lp.example.id"])


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = "Teknologi Informasi"
    slug = "teknologi-informasi"


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    """An approved self-paced course with a trainer, unless told otherwise."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"KRS-{n:05d}")
    title = factory.Sequence(lambda n: f"Pelatihan Contoh {n}")
    description = "Pelatihan praktis dengan studi kasus."
    learning_outcomes = "Peserta mampu menerapkan materi dalam pekerjaan."
    category = factory.SubFactory(CategoryFactory)
    method = "self_paced"
    total_hours = 20
    price = 500_000
    outside_price = 600_000
    status = "approved"
    # One session without a practice task; a self-paced course takes at least its 20 hours.
    planned_sessions = 1
    min_duration_hours = factory.LazyAttribute(lambda o: 20 if o.method == "self_paced" else None)

    @factory.post_generation
    def tasks(obj: Course, create: bool, extracted: list[int] | None, **kwargs: Any) -> None:  # noqa: N805
        """The session plan, sessions 1 to planned_sessions; `tasks=[1, 3]`: those sessions
        require a practice task."""
        if create:
            required = set(extracted or ())
            CourseSession.objects.bulk_create(
                CourseSession(course=obj, sequence=n, title=f"Sesi {n}", practice_task_required=n in required)
                for n in range(1, obj.planned_sessions + 1)
            )

    @factory.post_generation
    def with_trainer(obj: Course, create: bool, extracted: bool | None, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted is not False:
            trainer = Trainer.objects.create(
                institution=obj.institution, name="Rina Kusuma", profile="Praktisi 10 tahun."
            )
            obj.trainers.add(trainer)


class ScheduleFactory(factory.django.DjangoModelFactory[Schedule]):
    """A three-hour session a week from now, of a webinar course unless told otherwise."""

    class Meta:
        model = Schedule

    course = factory.SubFactory(CourseFactory, method="webinar")
    code = factory.Sequence(lambda n: f"JDW-{n:05d}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))
    capacity = 30


class ListingFactory(factory.django.DjangoModelFactory[Listing]):
    class Meta:
        model = Listing

    course = factory.SubFactory(CourseFactory)
    partner = factory.SubFactory(PartnerFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    price = factory.LazyAttribute(lambda o: o.course.price)


class WaveFactory(factory.django.DjangoModelFactory[Wave]):
    """An open wave under the "normal" scheme."""

    class Meta:
        model = Wave

    number = factory.Sequence(lambda n: 100 + n)
    scheme = factory.SubFactory(SchemeFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    national_quota = 100
    status = WaveStatus.OPEN


class WaveMemberFactory(factory.django.DjangoModelFactory[WaveMember]):
    class Meta:
        model = WaveMember

    wave = factory.SubFactory(WaveFactory)
    applicant = factory.SubFactory(ApplicantFactory, reached=Step.READY)
    province = factory.LazyAttribute(lambda o: o.applicant.province)
    statements_accepted_at = factory.LazyFunction(timezone.now)


class BlockReasonFactory(factory.django.DjangoModelFactory[BlockReason]):
    """A block reason; the seeded ones (migration 0021) are found by code, as transactional tests flush them."""

    class Meta:
        model = BlockReason
        django_get_or_create = ("code",)

    code = "false_data"
    label_id = "Data palsu atau tidak benar"
    label_en = "False or untrue data"
    explanation_id = "Data yang Anda berikan tidak sesuai dengan data resmi."
    explanation_en = "The data you gave does not match official records."


def verified_selfie_for(applicant: Applicant, photo: bytes | None = None) -> IdentityVerification:
    """The applicant's verified selfie, as the selfie journey keeps it (encrypted, with its face
    descriptor, and the face in the face search index): what the face check at every training
    session compares with."""
    from applicants.verification.face_index import face_index_put
    from prakerja.identity import faces
    from tests import faces as photos

    picture = photo or photos.selfie()
    found = faces.analyse(picture, judge=False)
    assert found.descriptor is not None, found.problem
    verification = IdentityVerification(
        applicant=applicant,
        reference=uuid.uuid4().hex,
        status=VerificationStatus.VERIFIED,
        source=VerificationSource.CAMERA,
        live=True,
        face_score=85.0,
        descriptor_encrypted=encrypt_bytes(faces.descriptor_bytes(found.descriptor)),
    )
    verification.selfie.save("selfie.bin", ContentFile(encrypt_bytes(picture)), save=False)
    verification.save()
    Applicant.objects.filter(pk=applicant.pk).update(identity_verified_at=timezone.now())
    face_index_put(applicant_id=applicant.pk, descriptor=found.descriptor)
    return verification


def liveness_challenge_for(user: User, *, steps: Sequence[str], purpose: str = "selfie", subject: str = "") -> str:
    """A pending liveness challenge with these steps, so the page shows that order (a browser
    test's fake camera follows it): the page shows a pending challenge again. Its token."""
    from prakerja.identity.challenges import token_hash
    from prakerja.identity.models import LivenessChallenge

    token = uuid.uuid4().hex
    LivenessChallenge.objects.filter(user=user, purpose=purpose).delete()
    LivenessChallenge.objects.create(
        user=user,
        purpose=purpose,
        subject=subject,
        token_hash=token_hash(token),
        steps=list(steps),
        expires_at=timezone.now() + dt.timedelta(minutes=2),
    )
    return token
