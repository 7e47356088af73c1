from django.utils.text import slugify

from partners.models import Partner, PartnerStatus
from prakerja.core.seeding import SeedContext

# The eight platforms that signed with the PMO on 20 March 2020.
PLATFORMS_2020 = [
    ("Tokopedia", "PT Tokopedia", "https://www.tokopedia.com"),
    ("Bukalapak", "PT Bukalapak.com Tbk", "https://www.bukalapak.com"),
    ("Skill Academy by Ruangguru", "PT Ruang Raya Indonesia", "https://skillacademy.com"),
    ("MauBelajarApa", "PT Mau Belajar Apa", "https://maubelajarapa.com"),
    ("Pintaria", "PT Haruka Evolusi Digital Utama", "https://pintaria.com"),
    ("Sekolahmu", "PT Sekolah Integrasi Digital", "https://www.sekolah.mu"),
    ("Pijar Mahir", "PT Telkom Indonesia (Persero) Tbk", "https://pijarmahir.id"),
    ("Sisnaker", "Kementerian Ketenagakerjaan", "https://prakerja.kemnaker.go.id"),
]


def seed(context: SeedContext) -> None:
    seed_platforms()
    seed_listings()
    seed_api_keys(context)


def seed_api_keys(context: SeedContext) -> None:
    """A fresh demo key per platform on every run (older demo keys are revoked: a key can
    never be shown twice)."""
    from partners.models import PartnerAPIKey
    from partners.services.api_keys import api_key_issue
    from prakerja.audit.services import Actor

    PartnerAPIKey.objects.filter(name="demo").update(revoked=True)
    keys = []
    for partner in Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("name"):
        issued = api_key_issue(partner=partner, name="demo", actor=Actor.system("seed-demo"))
        keys.append({"platform": partner.slug, "api_key": issued.key, "signing_secret": issued.signing_secret})
        context.note(f"API {partner.slug:<14} key {issued.key}  signing secret {issued.signing_secret}")
    context.extra["partner_api_keys"] = keys


def seed_platforms() -> None:
    for name, legal_name, website in PLATFORMS_2020:
        Partner.objects.update_or_create(
            slug=slugify(name),
            defaults={"name": name, "legal_name": legal_name, "website": website, "status": PartnerStatus.ACTIVE},
        )


def seed_listings() -> None:
    """Approved demo courses listed on the platforms, each on two to five of them."""
    from courses.models import Course, CourseStatus
    from partners.models import Listing

    partners = list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("name"))
    existing = set(Listing.objects.values_list("partner_id", "course_id"))
    new = []
    courses = Course.objects.filter(status=CourseStatus.APPROVED, revision_of__isnull=True, code__startswith="DEMO-")
    for n, course in enumerate(courses.order_by("code")):
        for partner in partners[n % 4 : n % 4 + 2 + n % 4]:
            if (partner.pk, course.pk) not in existing:
                discount = [0, 10_000, 25_000][(n + partner.pk) % 3]
                new.append(
                    Listing(
                        course=course,
                        partner=partner,
                        sku=f"{partner.slug[:8]}-{course.code}",
                        price=course.price - discount,
                    )
                )
    Listing.objects.bulk_create(new)
