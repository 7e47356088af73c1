"""Demo catalogue: categories, institutions (one with printed integration credentials), a few
hundred courses in Indonesian across categories and methods, and courses in every curation state."""

import datetime as dt
import itertools

from django.utils import timezone
from django.utils.text import slugify

from courses.models import (
    Category,
    Course,
    CourseSession,
    CourseStatus,
    LearningMethod,
    Schedule,
    Trainer,
    TrainingInstitution,
)
from courses.models.institutions import InstitutionStatus
from courses.services.institutions import signing_key_issue
from prakerja.accounts.models import User
from prakerja.core.actor import Actor
from prakerja.core.seeding import SeedContext

CATEGORIES = [
    "Teknologi Informasi",
    "Penjualan dan Pemasaran",
    "Makanan dan Minuman",
    "Pariwisata dan Perhotelan",
    "Bahasa Asing",
    "Keuangan dan Akuntansi",
    "Manufaktur",
    "Pertanian",
    "Desain Kreatif",
    "Kewirausahaan",
]
TOPICS = {
    "Teknologi Informasi": [
        "Pemrograman Python",
        "Desain Web dengan HTML dan CSS",
        "Analisis Data dengan Excel",
        "Jaringan Komputer Dasar",
        "Pemrograman Aplikasi Android",
    ],
    "Penjualan dan Pemasaran": [
        "Pemasaran Digital untuk UMKM",
        "Teknik Penjualan Online",
        "Copywriting Media Sosial",
        "Layanan Pelanggan Prima",
    ],
    "Makanan dan Minuman": [
        "Barista Kopi Profesional",
        "Membuat Kue dan Roti",
        "Manajemen Dapur Restoran",
        "Keamanan Pangan",
    ],
    "Pariwisata dan Perhotelan": ["Pemandu Wisata Lokal", "Resepsionis Hotel", "Tata Graha Hotel"],
    "Bahasa Asing": [
        "Bahasa Inggris untuk Kerja",
        "Bahasa Jepang Dasar",
        "Bahasa Korea untuk Pemula",
        "Bahasa Mandarin Percakapan",
    ],
    "Keuangan dan Akuntansi": ["Pembukuan Sederhana UMKM", "Perpajakan untuk Pekerja", "Akuntansi Dasar"],
    "Manufaktur": ["Teknisi Las Listrik", "Operator Mesin CNC", "Perawatan Sepeda Motor"],
    "Pertanian": ["Budidaya Hidroponik", "Budidaya Ikan Lele", "Pertanian Organik"],
    "Desain Kreatif": ["Desain Grafis dengan Canva", "Fotografi Produk", "Edit Video untuk Media Sosial"],
    "Kewirausahaan": ["Memulai Usaha Rumahan", "Manajemen Keuangan Usaha", "Strategi Harga Jual"],
}
LEVELS = ["untuk Pemula", "Tingkat Menengah", "Praktis", "Intensif", "Lanjutan", "untuk Dunia Kerja", "Bersertifikat"]
INSTITUTIONS = [
    ("PT Maju Kompeten Indonesia", "Maju Kompeten", "9120001234567"),
    ("LPK Terampil Nusantara", "Terampil Nusantara", "9120007654321"),
    ("PT Akademi Digital Bangsa", "Akademi Digital", "9120001112223"),
    ("LPK Dapur Rasa", "Dapur Rasa", "9120003334445"),
]
METHODS = [
    LearningMethod.SELF_PACED,
    LearningMethod.SELF_PACED,
    LearningMethod.WEBINAR,
    LearningMethod.OFFLINE,
    LearningMethod.HYBRID,
]
STATES = [
    CourseStatus.DRAFT,
    CourseStatus.SUBMITTED,
    CourseStatus.IN_REVIEW,
    CourseStatus.REJECTED,
    CourseStatus.RETIRED,
]


def seed(context: SeedContext) -> None:
    curator = User.objects.filter(is_superuser=True).first()
    categories = {}
    for name in CATEGORIES:
        categories[name], _ = Category.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    institutions = []
    for legal, brand, nib in INSTITUTIONS:
        institution, _ = TrainingInstitution.objects.get_or_create(
            business_number=nib,
            defaults={
                "legal_name": legal,
                "brand": brand,
                "contact_email": f"kontak@{slugify(brand)}.example.id",
                "client_code": f"demo-{slugify(brand)}",
                "status": InstitutionStatus.APPROVED,
                "attendance_redirect_hosts": [f"lms.{slugify(brand)}.example.id"],
            },
        )
        Trainer.objects.get_or_create(
            institution=institution,
            name=f"Tim Pengajar {brand}",
            defaults={"profile": "Praktisi industri bersertifikat BNSP."},
        )
        institutions.append(institution)
    demo = institutions[0]
    if curator is not None:
        # A fresh key on every run (earlier demo keys stop working), printed once like the PMO
        # would hand it over.
        key = signing_key_issue(institution=demo, actor=Actor.for_user(curator), overlap=dt.timedelta(0))
        context.extra["training_institution"] = {"brand": demo.brand, "client_code": demo.client_code, "sign_key": key}
        context.login(
            role=f"institution {demo.client_code}",
            email=demo.contact_email,
            password=f"sign key: {key}",
            url="/api/v1/integration/",
        )
    now = timezone.now()
    n = 0
    for category_name, topics in TOPICS.items():
        for topic, level in itertools.product(topics, LEVELS):
            n += 1
            method = METHODS[n % len(METHODS)]
            institution = institutions[n % len(institutions)]
            price = [150_000, 250_000, 350_000, 500_000, 750_000, 1_000_000][n % 6]
            status = STATES[(n // 10) % len(STATES)] if n % 10 == 0 else CourseStatus.APPROVED
            course, created = Course.objects.get_or_create(
                code=f"DEMO-{n:04d}",
                defaults={
                    "institution": institution,
                    "title": f"{topic} {level}",
                    "category": categories[category_name],
                    "description": (
                        f"Pelatihan {topic.lower()} {level.lower()} dengan praktik langsung, studi kasus, "
                        "dan tugas praktik mandiri."
                    ),
                    "learning_outcomes": (
                        f"Peserta mampu menerapkan {topic.lower()} dalam pekerjaan atau usaha sehari-hari."
                    ),
                    "method": method,
                    "total_hours": 15 + n % 20,
                    # 3 to 5 sessions; self-paced courses take at least their hours from start to end.
                    "planned_sessions": 3 + n % 3,
                    "min_duration_hours": 15 + n % 20 if method == LearningMethod.SELF_PACED else None,
                    "price": price,
                    "outside_price": price + 50_000,
                    "status": status,
                    "province_id": "32" if method in (LearningMethod.OFFLINE, LearningMethod.HYBRID) else None,
                    "regency_id": "3273" if method in (LearningMethod.OFFLINE, LearningMethod.HYBRID) else None,
                    "rating_average": [None, 4.2, 4.6, 3.8, 4.9][n % 5],
                    "rating_count": (n * 7) % 300,
                },
            )
            if created:
                course.trainers.set(institution.trainers.all())
                # A practice task (tugas unjuk keterampilan) in the middle session and the last.
                CourseSession.objects.bulk_create(
                    CourseSession(
                        course=course,
                        sequence=k,
                        title=f"Sesi {k}: {topic}",
                        practice_task_required=k in (2, course.planned_sessions),
                    )
                    for k in range(1, course.planned_sessions + 1)
                )
                if method != LearningMethod.SELF_PACED:
                    for day in (7, 14):
                        start = (now + dt.timedelta(days=day)).replace(hour=2, minute=0, second=0, microsecond=0)
                        Schedule.objects.create(
                            course=course,
                            code=f"{course.code}-S{day}",
                            starts_at=start,
                            ends_at=start + dt.timedelta(hours=3),
                            capacity=100,
                            location="BLK Jakarta Timur, Jl. Raya Bekasi KM 18"
                            if method == LearningMethod.OFFLINE
                            else "",
                        )
