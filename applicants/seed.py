"""Demo applicants, one at each step of the registration journey, and the test question bank."""

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from applicants.models import (
    Applicant,
    Card,
    EducationLevel,
    EmploymentStatus,
    MaritalStatus,
    Province,
    Question,
    QuestionCategory,
    Regency,
    Scheme,
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
]
WAITING_NAMES = ["Joko Susilo", "Maya Sari", "Eko Saputra"]


def _demo_waves(context: SeedContext) -> None:
    """Wave 11, announced (six members, five places: participants with cards and balances), and
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
            "national_quota": 5,
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
