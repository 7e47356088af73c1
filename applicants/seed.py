"""Demo applicants, one at each step of the registration journey, and the test question bank."""

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from applicants.assisted.services import Person, assisted_register
from applicants.duplicates.services.scan import duplicates_scan
from applicants.models import (
    Applicant,
    AssistedRegistration,
    Card,
    DuplicateGroup,
    EducationLevel,
    EmploymentStatus,
    MaritalStatus,
    Province,
    Question,
    QuestionCategory,
    Regency,
    Scheme,
    SchemeDeadline,
    StaffRegion,
    Step,
    TrainingInterest,
    Wave,
    WaveMember,
    WaveStatus,
)
from applicants.registration.nik import Gender, build_nik
from applicants.registration.services.identity import kk_blind_index, nik_blind_index
from applicants.waves.services.selection import wave_selection_run
from prakerja.accounts.models import User
from prakerja.core.actor import Actor
from prakerja.core.crypto import encrypt_value, mask_identifier
from prakerja.core.seeding import SeedContext
from prakerja.identity.sandbox import sandbox_person_register
from prakerja.ledger.models import LedgerAccount

QUESTIONS = [
    (
        QuestionCategory.ABILITY,
        "Harga sebuah baju Rp80.000 dan mendapat potongan 25%. Berapa yang harus dibayar?",
        ["Rp55.000", "Rp60.000", "Rp65.000", "Rp70.000"],
        1,
    ),
    (
        QuestionCategory.ABILITY,
        "Jika hari ini Rabu, hari apakah 10 hari lagi?",
        ["Jumat", "Sabtu", "Minggu", "Senin"],
        1,
    ),
    (
        QuestionCategory.ABILITY,
        "Manakah kata yang artinya paling dekat dengan 'efisien'?",
        ["Boros", "Tepat guna", "Lambat", "Rumit"],
        1,
    ),
    (QuestionCategory.ABILITY, "Deret 2, 4, 8, 16, ... Angka berikutnya adalah?", ["18", "24", "32", "64"], 2),
    (
        QuestionCategory.ABILITY,
        "Sebuah toko buka pukul 08.00 dan tutup pukul 17.30. Berapa lama toko buka?",
        ["8 jam 30 menit", "9 jam", "9 jam 30 menit", "10 jam"],
        2,
    ),
    (
        QuestionCategory.ABILITY,
        "Budi membeli 3 kg beras seharga Rp12.500 per kg. Ia membayar Rp50.000. Berapa kembaliannya?",
        ["Rp10.000", "Rp12.500", "Rp15.000", "Rp17.500"],
        1,
    ),
    (QuestionCategory.ABILITY, "Manakah yang BUKAN termasuk kelompoknya?", ["Palu", "Obeng", "Gergaji", "Piring"], 3),
    (QuestionCategory.ABILITY, "Lawan kata 'sementara' adalah ...", ["Sebentar", "Permanen", "Sesaat", "Singkat"], 1),
    (
        QuestionCategory.MOTIVATION,
        "Jika pelatihan terasa sulit, apa yang paling mungkin Anda lakukan?",
        ["Berhenti", "Menunda", "Bertanya dan mencoba lagi", "Menyalin jawaban orang lain"],
        2,
    ),
    (
        QuestionCategory.MOTIVATION,
        "Apa tujuan utama Anda mengikuti Kartu Prakerja?",
        [
            "Menambah keterampilan untuk bekerja atau berusaha",
            "Hanya mendapat insentif",
            "Ikut-ikutan teman",
            "Tidak tahu",
        ],
        0,
    ),
    (
        QuestionCategory.MOTIVATION,
        "Setelah pelatihan selesai, apa rencana Anda?",
        [
            "Tidak ada rencana",
            "Melamar kerja atau memulai usaha",
            "Menunggu pelatihan berikutnya saja",
            "Lupa materinya",
        ],
        1,
    ),
    (
        QuestionCategory.MOTIVATION,
        "Berapa jam per minggu yang dapat Anda luangkan untuk belajar?",
        ["Tidak ada", "Kurang dari 1 jam", "3 sampai 5 jam", "Tergantung suasana hati"],
        2,
    ),
]

# (email local part, step reached, gender)
DEMO_APPLICANTS = [
    ("pendaftar.baru", Step.VERIFY_EMAIL),
    ("pendaftar.identitas", Step.IDENTITY),
    ("pendaftar.kontak", Step.CONTACT),
    ("pendaftar.datadiri", Step.PERSONAL),
    ("pendaftar.tes", Step.BASIC_TEST),
    ("pendaftar.siap", Step.READY),
]
DEMO_NAMES = ["Budi Santoso", "Siti Rahmawati", "Agus Prasetyo", "Dewi Lestari", "Rudi Hartono", "Ayu Wulandari"]


def _tiny_jpeg() -> bytes:
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (640, 400), (200, 210, 230)).save(output, format="JPEG")
    return output.getvalue()


def _registry_photo(n: int) -> bytes | None:
    """A photograph of a face for the sandbox registry: scikit-image's astronaut (a development
    dependency); None where it is not installed or for most demo people."""
    if n > 1:
        return None
    try:
        import io

        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    output = io.BytesIO()
    Image.fromarray(data.astronaut()).crop((60, 0, 420, 360)).save(output, format="JPEG", quality=80)
    return output.getvalue()


def seed(context: SeedContext) -> None:
    if not Province.objects.exists() and (settings.REGIONS_DATA_DIR / "provinces.csv").exists():
        call_command("load_regions", verbosity=0)
    for category, text, choices, correct in QUESTIONS:
        Question.objects.update_or_create(
            text=text, defaults={"category": category, "choices": choices, "correct_choice": correct}
        )
    for n, ((local, step), name) in enumerate(zip(DEMO_APPLICANTS, DEMO_NAMES, strict=True)):
        _demo_applicant(context, local=local, step=step, name=name, n=n)
        context.login(role=f"applicant ({step.value})", email=f"{local}@demo.prakerja.go.id", url="/masuk/")
    _demo_waves(context)
    _demo_assisted(context)
    _demo_duplicates(context)
    _demo_integrity(context)
    _demo_deadlines(context)


def _demo_assisted(context: SeedContext) -> None:
    """The regional officer works for Bandung's labour office and has registered one person,
    whose code is still to be entered (admin: Assisted registrations)."""
    officer = User.objects.filter(email="regional.officer@demo.prakerja.go.id").first()
    if officer is None or not Province.objects.filter(code="32").exists():
        return
    StaffRegion.objects.get_or_create(user=officer, defaults={"province_id": "32", "office": "Disnaker Kota Bandung"})
    if AssistedRegistration.objects.exists():
        return
    assisted_register(
        person=Person(
            email="warga.dibantu@demo.prakerja.go.id",
            nik=build_nik(district_code="327301", birth_date=dt.date(1988, 8, 8), gender=Gender.FEMALE, serial=808),
            kk_number="3273010808000808",
            full_name="Siti Dibantu",
            birth_date=dt.date(1988, 8, 8),
            phone="081208080808",
            regency_code="3273",
            consent_reference="DISNAKER-BDG-0001",
        ),
        actor=Actor.for_user(officer),
    )
    context.note("Assisted registration: Siti Dibantu registered by regional.officer (code not yet entered)")


def _demo_deadlines(context: SeedContext) -> None:
    """This programme year's last days under the scheme in force (admin: Scheme deadlines):
    buy by mid-December (or in two weeks, whichever is later), complete a week after, review a
    week after that, use the balance until the last day to buy."""
    scheme = Scheme.objects.in_force()
    if scheme is None:
        return
    today = timezone.localdate()
    last_purchase = max(dt.date(today.year, 12, 15), today + dt.timedelta(days=14))
    deadline, _created = SchemeDeadline.objects.get_or_create(
        scheme=scheme,
        year=today.year,
        defaults={
            "last_purchase_on": last_purchase,
            "last_completion_on": last_purchase + dt.timedelta(days=7),
            "last_review_on": last_purchase + dt.timedelta(days=14),
            "balance_until": last_purchase,
        },
    )
    context.note(
        f"Scheme deadlines {deadline}: buy until {deadline.last_purchase_on}, complete until "
        f"{deadline.last_completion_on}, review until {deadline.last_review_on}"
    )


def _demo_applicant(context: SeedContext, *, local: str, step: Step, name: str, n: int) -> Applicant:
    regency = Regency.objects.filter(code="3273").select_related("province").first()  # Kota Bandung
    order = [s.value for s in Step]
    now = timezone.now()
    email = f"{local}@demo.prakerja.go.id"
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name})
    user.set_password(context.demo_password)
    user.save()
    applicant, _ = Applicant.objects.get_or_create(user=user)
    reached = order.index(step)
    gender = Gender.FEMALE if n % 2 else Gender.MALE
    birth = dt.date(1990 + n % 10, 3, 10 + n % 18)
    nik = build_nik(district_code="327301", birth_date=birth, gender=gender, serial=9000 + n)
    kk = f"3273010101{9000 + n:06d}"
    applicant.step = step
    applicant.email_verified_at = now if reached >= 1 else None
    if reached >= 2:
        applicant.nik_encrypted = encrypt_value(nik)
        applicant.nik_index = nik_blind_index(nik)
        applicant.nik_masked = mask_identifier(nik)
        applicant.kk_encrypted = encrypt_value(kk)
        applicant.kk_index = kk_blind_index(kk)
        applicant.kk_masked = mask_identifier(kk)
        applicant.full_name = name
        applicant.birth_date = applicant.nik_birth_date = birth
        applicant.gender = gender.value
        applicant.identity_completed_at = now
        applicant.birth_place = "Bandung"
        # The sandbox civil registry knows every demo person (the first two with a photo, so
        # the selfie page's face match has something to compare with).
        sandbox_person_register(
            nik=nik, full_name=name, birth_date=birth, birth_place="Kota Bandung", photo=_registry_photo(n)
        )
    if reached >= 3:
        applicant.phone = f"+62812000090{n:02d}"
        applicant.phone_verified_at = now
    if reached >= 4 and regency is not None:
        applicant.address = "Jl. Asia Afrika No. 8"
        applicant.province = regency.province
        applicant.regency = regency
        applicant.education = EducationLevel.SMA
        applicant.marital_status = MaritalStatus.SINGLE
        applicant.dependants = 0
        applicant.employment_status = EmploymentStatus.LAID_OFF
        applicant.training_interests = [TrainingInterest.DIGITAL, TrainingInterest.SALES]
        applicant.honesty_declared_at = applicant.personal_completed_at = now
        if not applicant.ktp_photo:
            applicant.ktp_photo.save("ktp.jpg", ContentFile(_tiny_jpeg()), save=False)
    if reached >= 5:
        applicant.basic_test_completed_at = now
        applicant.basic_test_score = 75
        # Ready demo people have passed the selfie (selection counts only verified identities).
        applicant.identity_verified_at = applicant.identity_verified_at or now
    applicant.save()
    return applicant


PARTICIPANT_NAMES = [
    "Rina Marlina",
    "Yusuf Hidayat",
    "Fitri Handayani",
    "Bambang Sutrisno",
    "Lina Kusuma",
    "Hendra Wijaya",
    "Wahyu Nugroho",
]
WAITING_NAMES = ["Joko Susilo", "Maya Sari", "Eko Saputra"]


def _demo_waves(context: SeedContext) -> None:
    """Wave 11, announced (seven members, six places: participants with cards and balances), and
    wave 12, open until next month with three members waiting."""
    scheme = Scheme.objects.in_force()
    if scheme is None:
        return
    now = timezone.now()
    announced, created = Wave.objects.get_or_create(
        number=11,
        defaults={
            "scheme": scheme,
            "opens_at": now - dt.timedelta(days=10),
            "closes_at": now - dt.timedelta(days=3),
            "national_quota": 6,
            "status": WaveStatus.OPEN,
        },
    )
    members = [
        _demo_applicant(context, local=f"peserta.{n + 1}", step=Step.READY, name=name, n=10 + n)
        for n, name in enumerate(PARTICIPANT_NAMES)
    ]
    if created:
        for applicant in members:
            WaveMember.objects.create(
                wave=announced,
                applicant=applicant,
                province_id=applicant.province_id or "32",
                statements_accepted_at=now,
            )
        Wave.objects.filter(pk=announced.pk).update(status=WaveStatus.CLOSED)
        wave_selection_run(wave_id=announced.pk, seed=2026)
    opened, created = Wave.objects.get_or_create(
        number=12,
        defaults={
            "scheme": scheme,
            "opens_at": now - dt.timedelta(days=1),
            "closes_at": now + dt.timedelta(days=30),
            "national_quota": 1000,
            "status": WaveStatus.OPEN,
        },
    )
    waiting = [
        _demo_applicant(context, local=f"menunggu.{n + 1}", step=Step.READY, name=name, n=20 + n)
        for n, name in enumerate(WAITING_NAMES)
    ]
    if created:
        for applicant in waiting:
            WaveMember.objects.create(
                wave=opened, applicant=applicant, province_id=applicant.province_id or "32", statements_accepted_at=now
            )
    # Wave 13: one more participant, whom the partners' demo data leaves in the middle of a course.
    training, created = Wave.objects.get_or_create(
        number=13,
        defaults={
            "scheme": scheme,
            "opens_at": now - dt.timedelta(days=9),
            "closes_at": now - dt.timedelta(days=4),
            "national_quota": 1,
            "status": WaveStatus.OPEN,
        },
    )
    trainee = _demo_applicant(context, local="peserta.pelatihan", step=Step.READY, name="Wahyu Nugroho", n=30)
    if created:
        WaveMember.objects.create(
            wave=training, applicant=trainee, province_id=trainee.province_id or "32", statements_accepted_at=now
        )
        Wave.objects.filter(pk=training.pk).update(status=WaveStatus.CLOSED)
        wave_selection_run(wave_id=training.pk, seed=2026)
    cards = []
    for applicant in members:
        card = Card.objects.filter(applicant=applicant).first()
        email = applicant.user.email
        context.login(role="participant (wave 11)" if card else "not selected (wave 11)", email=email, url="/masuk/")
        if card:
            balance = LedgerAccount.objects.get(pk=card.account_id).balance
            cards.append({"email": email, "card_number": card.number, "balance": balance})
            context.note(f"Kartu Prakerja {card.number} (Rp{balance:,}) held by {email}".replace(",", "."))
    for applicant in waiting:
        context.login(role="joined wave 12 (waiting)", email=applicant.user.email, url="/masuk/")
    context.extra["cards"] = cards


def _demo_duplicates(context: SeedContext) -> None:
    """An open group of suspected duplicates in the verifiers' queue: a second account, ready to
    join a wave, registered with the phone number of a member waiting in wave 12."""
    waiting = Applicant.objects.filter(user__email="menunggu.1@demo.prakerja.go.id").first()
    if waiting is None:
        return
    second = _demo_applicant(context, local="akun.kedua", step=Step.READY, name="Jaka Susila", n=32)
    Applicant.objects.filter(pk=second.pk).update(phone=waiting.phone)
    duplicates_scan(actor=Actor.system("seed_demo"), trigger="seed_demo")  # finds the same group on a re-run
    group = DuplicateGroup.objects.filter(signal="phone", members__applicant=second).first()
    context.login(role="suspected duplicate (open group)", email=second.user.email, url="/masuk/")
    if group is not None:
        context.note(f"Suspected duplicates: group {group.pk} ({group.get_signal_display()}) waits for a verifier")


def _demo_integrity(context: SeedContext) -> None:
    """Wave 13 (announced): a participant blocked for "training done by someone else" whose
    appeal waits for a verifier, and a participant with an open clawback case (card suspended,
    payouts held)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applicants.appeals.services import appeal_submit, block_place
    from applicants.clawbacks.services import clawback_open
    from applicants.models import BlockReason
    from prakerja.core.actor import Actor
    from prakerja.ledger.models import AccountKind
    from prakerja.ledger.services import Line, account_get_or_create, posting_create

    scheme = Scheme.objects.in_force()
    verifier = User.objects.filter(email="verifier@demo.prakerja.go.id").first()
    # Seeded by migration 0021; a flushed test database has lost it.
    reason, _ = BlockReason.objects.get_or_create(
        code="someone_else",
        defaults={
            "label_id": "Pelatihan dikerjakan orang lain (joki)",
            "label_en": "Training done by someone else",
            "explanation_id": "Pelatihan Anda terlihat diikuti oleh orang lain atas nama Anda.",
        },
    )
    if scheme is None or verifier is None:
        return
    now = timezone.now()
    wave, created = Wave.objects.get_or_create(
        number=13,
        defaults={
            "scheme": scheme,
            "opens_at": now - dt.timedelta(days=20),
            "closes_at": now - dt.timedelta(days=12),
            "national_quota": 2,
            "status": WaveStatus.OPEN,
        },
    )
    blocked = _demo_applicant(context, local="diblokir.1", step=Step.READY, name="Taufik Ramadhan", n=33)
    owing = _demo_applicant(context, local="klawback.1", step=Step.READY, name="Wahyu Nugroho", n=31)
    context.login(role="participant blocked, appeal pending (wave 13)", email=blocked.user.email, url="/masuk/")
    context.login(role="participant with a clawback case (wave 13)", email=owing.user.email, url="/masuk/")
    if not created:
        return
    for applicant in (blocked, owing):
        WaveMember.objects.create(
            wave=wave, applicant=applicant, province_id=applicant.province_id or "32", statements_accepted_at=now
        )
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.CLOSED)
    wave_selection_run(wave_id=wave.pk, seed=2026)
    actor = Actor.for_user(verifier)
    block_place(applicant=blocked, reason=reason, note="Wajah pada sesi 2 tidak cocok dengan KTP (demo)", actor=actor)

    def photo(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, _tiny_jpeg(), content_type="image/jpeg")

    appeal_submit(
        applicant=blocked,
        statement="Saya sendiri yang mengikuti semua sesi. Wajah saya berbeda karena memakai kacamata baru.",
        ktp_photo=photo("ktp.jpg"),
        kk_photo=photo("kk.jpg"),
        selfie=photo("selfie.jpg"),
    )
    card = Card.objects.select_related("applicant__user").filter(applicant=owing).first()
    if card is None:
        return
    platform = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref="demo-clawback")
    posting_create(
        idempotency_key=f"purchase:demo-clawback-{card.pk}",
        kind="purchase.confirm",
        lines=[Line(card.account_id, -750_000), Line(platform.pk, 750_000)],
        memo="Demo: pelatihan yang dibeli sebelum ketidaklayakan ditemukan",
    )
    clawback_open(
        card=card,
        reason="Tercatat sebagai ASN sejak 2019 (data BKN, demo).",
        evidence=photo("bukti.jpg"),
        actor=actor,
    )
