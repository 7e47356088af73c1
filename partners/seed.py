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
    seed_purchases(context)


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


def seed_purchases(context: SeedContext) -> None:
    """Paid purchases of the demo institution's courses for the demo participants, so that the
    institution has unused redeem codes to try the integration with (as the real programme sends
    dummy codes for integration testing)."""
    from applicants.models import Card, CardStatus, OtpPurpose
    from applicants.services.otp import detached_code
    from courses.models import RedeemCodeStatus, TrainingInstitution
    from partners.models import Listing, Purchase, PurchaseStatus
    from partners.services.purchases import purchase_confirm, purchase_create

    institution = TrainingInstitution.objects.filter(client_code__startswith="demo-").order_by("pk").first()
    if institution is None:
        return
    listing = (
        Listing.objects.filter(course__institution=institution, is_active=True, partner__status=PartnerStatus.ACTIVE)
        .select_related("partner", "course")
        .order_by("price")
        .first()
    )
    if listing is None:
        return
    for card in Card.objects.filter(status=CardStatus.ACTIVE).order_by("pk")[:3]:
        if Purchase.objects.filter(card=card, listing=listing, status=PurchaseStatus.PAID).exists():
            continue
        purchase = purchase_create(partner=listing.partner, card_number=card.number, listing_id=listing.pk)
        code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
        Purchase.objects.filter(pk=purchase.pk).update(otp_hash=code_hash)
        purchase_confirm(purchase_id=str(purchase.pk), otp=code, partner=listing.partner)
    codes = list(
        Purchase.objects.filter(listing=listing, redeem_code__status=RedeemCodeStatus.ISSUED).values_list(
            "redeem_code__code", flat=True
        )
    )
    for code in codes:
        context.note(f"Redeem code {code} (unused) for institution {institution.client_code}: {listing.course.title}")
    context.extra["demo_redeem_codes"] = {"client_code": institution.client_code, "codes": codes}
