import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.text import slugify

from partners.models import Listing, Partner, PartnerStatus, Purchase, StatusChange
from prakerja.core.seeding import SeedContext

if TYPE_CHECKING:
    from applicants.models import Applicant

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
    seed_conflicts(context)
    seed_api_keys(context)
    # Incentives first: their participants' first courses are completed there, so the second
    # courses bought below are allowed (one course at a time) and stay in progress.
    seed_incentives(context)
    seed_purchases(context)
    seed_training_states(context)
    seed_complaints(context)
    seed_evaluation(context)


def seed_complaints(context: SeedContext) -> None:
    """The complaint desk's demo queue: a participant's complaint about a purchase (answered),
    and an applicant's registration complaint past its target (overdue). Once only."""
    from applicants.complaints.services import complaint_file, complaint_reply
    from applicants.models import Applicant, Complaint
    from prakerja.accounts.models import User
    from prakerja.core.actor import Actor

    if Complaint.objects.exists():
        return
    participant = Applicant.objects.filter(user__email="peserta.1@demo.prakerja.go.id").first()
    purchase = Purchase.objects.filter(card__applicant=participant).order_by("created_at").first()
    verifier = User.objects.filter(email="verifier@demo.prakerja.go.id").first()
    if participant is not None and purchase is not None:
        answered = complaint_file(
            applicant=participant,
            category="purchase",
            subject="Kelas belum bisa diakses",
            body="Sudah bayar dan dapat kode voucher, tetapi kelas di platform belum terbuka.",
            purchase_ref=str(purchase.pk),
        )
        if verifier is not None:
            complaint_reply(
                complaint=answered,
                actor=Actor.for_user(verifier),
                body="Kami sudah menghubungi platform; kelas Anda akan terbuka dalam 1x24 jam.",
            )
    applicant = Applicant.objects.filter(user__email="pendaftar.siap@demo.prakerja.go.id").first()
    if applicant is not None:
        late = complaint_file(
            applicant=applicant,
            category="registration",
            subject="Data KTP tidak bisa diubah",
            body="Saya salah ketik tanggal lahir dan tidak bisa memperbaikinya.",
        )
        Complaint.objects.filter(pk=late.pk).update(
            created_at=late.created_at - dt.timedelta(days=4), due_at=late.created_at - dt.timedelta(days=1)
        )
    context.note("Complaint desk: /admin/applicants/complaint/ (one answered, one overdue)")


def seed_evaluation(context: SeedContext) -> None:
    """This month's evaluation as a draft over the demo purchases (the monthly job evaluates
    last month; a partner manager may publish and decide on it in the admin)."""
    from partners.evaluation.services.evaluations import evaluation_run
    from partners.evaluation.services.scorecards import scorecard_create
    from partners.models import Scorecard
    from partners.models.evaluation import DEFAULT_RULES
    from prakerja.core.actor import Actor

    actor = Actor.system("seed-demo")
    if not Scorecard.objects.filter(activated_at__isnull=False).exists():
        scorecard_create(rules=DEFAULT_RULES, actor=actor, note="Kartu Prakerja 2020", activate=True)
    evaluation = evaluation_run(period=timezone.localdate().replace(day=1), actor=actor)
    context.note(f"Platform evaluation {evaluation} (draft): /admin/partners/evaluation/{evaluation.pk}/change/")


def seed_api_keys(context: SeedContext) -> None:
    """A fresh demo key per platform on every run (older demo keys are revoked: a key can
    never be shown twice)."""
    from partners.models import PartnerAPIKey
    from partners.platforms.services.api_keys import api_key_issue
    from prakerja.core.actor import Actor

    PartnerAPIKey.objects.filter(name="demo").update(revoked=True)
    keys = []
    for partner in Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("name"):
        issued = api_key_issue(partner=partner, name="demo", actor=Actor.system("seed-demo"))
        keys.append({"platform": partner.slug, "api_key": issued.key, "signing_secret": issued.signing_secret})
        context.note(f"API {partner.slug:<14} key {issued.key}  signing secret {issued.signing_secret}")
    context.extra["partner_api_keys"] = keys


# Two platforms invited in 2020 declined (the programme's own account does not name them).
DECLINED_2020 = [("Platform Undangan A", "PT Undangan Satu"), ("Platform Undangan B", "PT Undangan Dua")]
AGREEMENT_DAY = dt.date(2020, 3, 20)


def seed_platforms() -> None:
    """The 2020 story through the lifecycle service: eight platforms signed the agreement of 20
    March 2020 and went live; two invited platforms declined."""
    from partners.platforms.services.lifecycle import agreement_record, partner_status_change
    from prakerja.core.actor import Actor

    pmo = Actor.system("seed-demo (PMO)")
    path = [
        (PartnerStatus.INVITED, "Diundang sebagai platform digital Kartu Prakerja."),
        (PartnerStatus.IN_DISCUSSION, "Pembahasan perjanjian kerja sama."),
        (PartnerStatus.AGREEMENT_SIGNED, "Perjanjian kerja sama ditandatangani 20 Maret 2020."),
        (PartnerStatus.ONBOARDING, "Uji integrasi pembayaran Prakerja."),
        (PartnerStatus.ACTIVE, "Uji integrasi lulus; mulai melayani peserta."),
    ]
    for n, (name, legal_name, website) in enumerate(PLATFORMS_2020, start=1):
        slug = slugify(name)
        if Partner.objects.filter(slug=slug).exists():
            continue
        partner = Partner.objects.create(
            name=name, slug=slug, legal_name=legal_name, website=website, contact_email=f"kemitraan@{slug}.example.id"
        )
        agreement_record(
            partner=partner,
            number=f"PKS/PMO-PRAKERJA/III/2020/{n:03d}",
            signed_on=AGREEMENT_DAY,
            starts_on=AGREEMENT_DAY,
            ends_on=dt.date(2020, 12, 31),
            actor=pmo,
        )
        for to, reason in path:
            partner_status_change(partner=partner, to=to, reason=reason, actor=pmo)
    for name, legal_name in DECLINED_2020:
        slug = slugify(name)
        if Partner.objects.filter(slug=slug).exists():
            continue
        partner = Partner.objects.create(name=name, slug=slug, legal_name=legal_name)
        partner_status_change(partner=partner, to=PartnerStatus.INVITED, reason=path[0][1], actor=pmo)
        partner_status_change(
            partner=partner,
            to=PartnerStatus.DECLINED,
            reason="Menolak: pelatihan bukan bisnis inti kami.",
            actor=pmo,
        )
    StatusChange.objects.filter(changed_at__date__gt=AGREEMENT_DAY, reason__in=[r for _t, r in path]).update(
        changed_at=timezone.make_aware(dt.datetime.combine(AGREEMENT_DAY, dt.time(10)))
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


# Invented for the demo (the ownership of the real platforms is not this portal's to tell): a
# holding company owns part of Pintaria and of the demo institution Akademi Digital.
DEMO_HOLDING = ("PT Cakrawala Edukasi Nusantara (demo)", "9120009990001")
# A made-up NIK of a beneficial owner (Bandung, born 12 May 1980).
DEMO_OWNER_NIK = "3273011205800007"


def seed_conflicts(context: SeedContext) -> None:
    """An affiliated pair: Pintaria and Akademi Digital share an owner. Their listings are flagged
    and held off sale; the first is approved by the demo curator with its disclosure (shown on
    the course page), the others wait in the curators' list."""
    from courses.models import Course, CourseStatus, InstitutionOwner, OwnerKind, TrainingInstitution
    from courses.services.ownership import StakeWrite, institution_owners_apply
    from partners.conflicts.selectors import disclosure_draft
    from partners.conflicts.services.disclosures import listing_disclosure_approve
    from partners.conflicts.services.owners import platform_owners_apply
    from partners.models import PlatformOwner
    from partners.platforms.services.listings import listing_create
    from prakerja.accounts.models import User
    from prakerja.core.actor import Actor

    partner = Partner.objects.filter(slug="pintaria").first()
    institution = TrainingInstitution.objects.filter(client_code="demo-akademi-digital").first()
    if partner is None or institution is None:
        return
    manager = Actor.system("seed-demo (partner manager)")
    name, nib = DEMO_HOLDING
    if not PlatformOwner.objects.filter(partner=partner).exists():
        holding = PlatformOwner(
            partner=partner, kind=OwnerKind.LEGAL_ENTITY, name=name, registration_number=nib, share_percent=40
        )
        platform_owners_apply(partner=partner, writes=[StakeWrite(stake=holding)], actor=manager)
    if not InstitutionOwner.objects.filter(institution=institution).exists():
        stakes = [
            StakeWrite(
                stake=InstitutionOwner(
                    institution=institution,
                    kind=OwnerKind.LEGAL_ENTITY,
                    name=name,
                    registration_number=nib,
                    share_percent=60,
                )
            ),
            StakeWrite(
                stake=InstitutionOwner(
                    institution=institution, kind=OwnerKind.PERSON, name="Budi Santoso (demo)", share_percent=40
                ),
                nik=DEMO_OWNER_NIK,
            ),
        ]
        institution_owners_apply(institution=institution, writes=stakes, actor=manager)
    courses = Course.objects.filter(
        institution=institution, status=CourseStatus.APPROVED, revision_of__isnull=True, code__startswith="DEMO-"
    ).order_by("code")
    course = courses.first()
    if course is None:
        return
    listing = Listing.objects.filter(partner=partner, course=course).first() or listing_create(
        course=course, partner=partner, sku=f"pintaria-{course.code}", price=course.price, actor=manager
    )
    curator = User.objects.filter(email="curator@demo.prakerja.go.id").first()
    if listing.affiliated and listing.disclosed_at is None and curator is not None:
        disclosure, english = disclosure_draft(partner=partner, institution=institution)
        listing_disclosure_approve(
            listing=listing, disclosure=disclosure, disclosure_en=english, actor=Actor.for_user(curator)
        )
    context.note(f"Affiliated listing, disclosed: /pelatihan/{course.code}/ (Pintaria, Akademi Digital)")
    context.note("Affiliated listings waiting for a curator: /admin/partners/listing/?withheld_for_disclosure__exact=1")


def seed_purchases(context: SeedContext) -> None:
    """Paid purchases of the demo institution's courses for the demo participants (their second
    course, in progress), so that the institution has unused redeem codes to try the integration
    with (as the real programme sends dummy codes for integration testing)."""
    from applicants.models import Card, CardStatus, OtpPurpose
    from applicants.registration.services.otp import detached_code
    from courses.models import RedeemCodeStatus, TrainingInstitution
    from partners.models import Listing, PlatformAccountBinding, Purchase, PurchaseStatus
    from partners.purchases.services.purchases import purchase_confirm, purchase_create

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
        if Purchase.objects.filter(card=card, status=PurchaseStatus.PAID).exists():
            continue  # a course in progress already (one at a time)
        purchase = purchase_create(
            partner=listing.partner,
            card_number=card.number,
            platform_account=f"demo-{listing.partner.slug}-{card.pk}",
            listing_id=listing.pk,
            schedule_id=_first_schedule(listing),
        )
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
    # These cards are bound to their buyer's account on the platform (one platform account per
    # card) and have a course in progress: the dashboard says a second must wait for it.
    bound = PlatformAccountBinding.objects.filter(partner=listing.partner).select_related("card__applicant__user")
    for binding in bound.order_by("card_id")[:3]:
        context.note(
            f"{binding.card.applicant.user.email}: course in progress on {listing.partner.name}, card bound to "
            f"platform account demo-{listing.partner.slug}-{binding.card_id}; another account there is refused"
        )
    context.extra["demo_redeem_codes"] = {"client_code": institution.client_code, "codes": codes}


def _train(purchase: Purchase, *, sessions: int | None = None, tasks_assessed: bool = True) -> None:
    """The institution's reports for a self-paced purchase, through the services its protocol
    calls: the first `sessions` planned sessions attended (all by default), their practice
    tasks submitted and (unless told otherwise) assessed; the start moved back by the course's
    minimum duration, as if the participant had trained since then."""
    from courses.models import CourseSession, RedeemCode
    from courses.services.redemption import practice_feedback_record, redeem_code_commit

    code = RedeemCode.objects.select_related("course").get(purchase=purchase)
    plan = CourseSession.objects.filter(course=code.course).order_by("sequence")
    for session in plan[:sessions] if sessions is not None else plan:
        redeem_code_commit(code=code.code, institution_id=code.institution_id, sequence=session.sequence)
        if session.practice_task_required:
            statuses = ("submitted", "assessed") if tasks_assessed else ("submitted",)
            for status in statuses:
                practice_feedback_record(
                    code=code.code,
                    institution_id=code.institution_id,
                    scope="tpm",
                    sequence=session.sequence,
                    notes="Tugas unjuk keterampilan lengkap; contoh kasusnya relevan dengan usaha Anda.",
                    url_file=f"https://lms.example.id/tugas/{code.code}/{session.sequence}.pdf",
                    status=status,
                )
    started = timezone.now() - dt.timedelta(hours=(code.course.min_duration_hours or 0) + 1)
    RedeemCode.objects.filter(pk=code.pk).update(used_at=started)
    Purchase.objects.filter(pk=purchase.pk).update(started_at=started)


def seed_training_states(context: SeedContext) -> None:
    """A participant in the middle of a course (two sessions attended, the second's practice
    task submitted and waiting for assessment, the rest to come), and the completed ones of
    seed_incentives with their certificate on the dashboard. Once only."""
    from applicants.models import Card, CardStatus, OtpPurpose
    from applicants.registration.services.otp import detached_code
    from courses.models import LearningMethod
    from partners.purchases.services.purchases import purchase_confirm, purchase_create

    if Purchase.objects.filter(redeem_code__practice_tasks__status="submitted").exists():
        return
    listing = (
        Listing.objects.filter(
            is_active=True,
            partner__status=PartnerStatus.ACTIVE,
            course__method=LearningMethod.SELF_PACED,
            course__planned_sessions__gte=3,
        )
        .select_related("partner", "course")
        .order_by("price")
        .first()
    )
    card = (
        Card.objects.filter(status=CardStatus.ACTIVE, purchases__isnull=True)
        .select_related("applicant__user")
        .order_by("pk")
        .first()
    )
    if listing is None or card is None:
        return
    purchase = purchase_create(
        partner=listing.partner,
        card_number=card.number,
        platform_account=f"demo-{listing.partner.slug}-{card.pk}",
        listing_id=listing.pk,
    )
    code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
    Purchase.objects.filter(pk=purchase.pk).update(otp_hash=code_hash)
    purchase_confirm(purchase_id=str(purchase.pk), otp=code, partner=listing.partner)
    _train(purchase, sessions=2, tasks_assessed=False)
    context.login(role="participant, mid-training (task pending)", email=card.applicant.user.email, url="/dasbor/")
    certified = Purchase.objects.filter(status="completed").select_related("card__applicant__user").first()
    if certified is not None:
        context.login(
            role="participant, certificate on the dashboard", email=certified.card.applicant.user.email, url="/dasbor/"
        )


# Incentive states shown by the demo participants of wave 11, in card order.
INCENTIVE_DEMO = ("paid", "failed", "review", "account", "waiting", "registry")


def seed_incentives(context: SeedContext) -> None:
    """Participants at each incentive state: paid (with a survey open), transfer failed (asked
    to change the account), course to review, account to link, one in a run waiting for a
    second finance user's approval, and one held before payout by a wage-registry hit imported
    after selection (the verifiers' Holds queue). Their first course is bought, committed and completed
    through the services, as a platform and an institution would."""
    from applicants.disbursement.services.runs import disbursement_run_create
    from applicants.disbursement.services.sending import run_send_here
    from applicants.incentives.services.entitlements import entitlement_schedule_if_ready
    from applicants.models import (
        AccountMatch,
        Card,
        CardStatus,
        DisbursementRun,
        OtpPurpose,
        PayoutAccount,
        PayoutAccountStatus,
        PayoutPolicy,
    )
    from applicants.registration.services.otp import detached_code
    from courses.models import LearningMethod, TrainingInstitution
    from courses.services.reviews import review_submit
    from partners.models import Listing, Purchase
    from partners.purchases.services.purchases import purchase_complete, purchase_confirm, purchase_create
    from prakerja.payments.sandbox import sandbox_account_register, sandbox_failure_code

    if DisbursementRun.objects.exists():
        return
    # The first demo institution's codes are left unused for trying the integration protocol.
    demo_institution = (
        TrainingInstitution.objects.filter(client_code__startswith="demo-").order_by("pk").values("pk")[:1]
    )
    listing = (
        Listing.objects.filter(
            is_active=True, partner__status=PartnerStatus.ACTIVE, course__method=LearningMethod.SELF_PACED
        )
        .exclude(course__institution__in=demo_institution)
        .select_related("partner", "course")
        .order_by("price")
        .first()
    )
    cards = list(Card.objects.filter(status=CardStatus.ACTIVE, wave__number=11).select_related("applicant__user"))
    if listing is None or len(cards) < len(INCENTIVE_DEMO):
        return
    now = timezone.now()

    def account(card: Card, number: str) -> None:
        sandbox_account_register(channel="bni", number=number, holder_name=card.applicant.full_name)
        PayoutAccount.objects.create(
            applicant=card.applicant,
            channel="bni",
            account_number=number,
            holder_name=card.applicant.full_name.upper(),
            match=AccountMatch.EXACT,
            status=PayoutAccountStatus.ACTIVE,
            confirmed_at=now,
            activated_at=now,
        )
        entitlement_schedule_if_ready(card_id=card.pk)

    def number(n: int, *, fails: bool, channel: str = "bni") -> str:
        # A number the sandbox bank refuses (or accepts); with refusals switched off (tests),
        # none is refused and the first one is taken.
        for candidate in range(n, n + 10_000):
            if (sandbox_failure_code(channel, f"{candidate:010d}") is not None) == fails:
                return f"{candidate:010d}"
        return f"{n:010d}"

    PayoutPolicy.objects.get_or_create(pk=1, defaults={"approval_threshold": 500_000})
    PayoutPolicy.objects.filter(pk=1).update(approval_threshold=10**12)  # the first run goes straight out
    for card, state in zip(cards, INCENTIVE_DEMO, strict=False):
        purchase = purchase_create(
            partner=listing.partner,
            card_number=card.number,
            platform_account=f"demo-{listing.partner.slug}-{card.pk}",
            listing_id=listing.pk,
            schedule_id=_first_schedule(listing),
        )
        code, code_hash, _text = detached_code(OtpPurpose.PURCHASE_CONFIRM)
        Purchase.objects.filter(pk=purchase.pk).update(otp_hash=code_hash)
        purchase_confirm(purchase_id=str(purchase.pk), otp=code, partner=listing.partner)
        _train(purchase)
        purchase_complete(
            purchase_id=str(purchase.pk),
            partner=listing.partner,
            certificate_number=f"DEMO-{card.pk}",
            certificate_url=f"https://{listing.partner.slug}.example/sertifikat/{card.pk}",
            completed_at=now,
        )
        if state != "review":
            review_submit(
                card=card,
                course=listing.course,
                rating=5,
                text="Materinya jelas, contoh soalnya sesuai pekerjaan.",
                platform_id=listing.partner_id,
            )
        if state in ("paid", "failed", "registry"):
            account(card, number(1000 + card.pk, fails=state == "failed"))
        if state in ("account", "failed"):
            # An account the sandbox bank knows under this participant's name, to link in the browser.
            good = number(9000 + card.pk, fails=False, channel="bri")
            sandbox_account_register(channel="bri", number=good, holder_name=card.applicant.full_name)
            context.note(f"{card.applicant.user.email} can link BRI account {good} (sandbox bank, own name)")
        context.login(role=f"participant, incentive: {state}", email=card.applicant.user.email, url="/dasbor/")
    if len(cards) > INCENTIVE_DEMO.index("registry"):
        _registry_hit_after_selection(cards[INCENTIVE_DEMO.index("registry")].applicant)
        context.note("A wage-earners list imported after selection holds one participant before payout (admin: Holds).")
    first = disbursement_run_create()
    if first is not None:
        run_send_here(run_id=first.pk)
    PayoutPolicy.objects.filter(pk=1).update(approval_threshold=500_000)
    account(cards[INCENTIVE_DEMO.index("waiting")], number(5000, fails=False))
    waiting = disbursement_run_create()
    if waiting is not None:
        context.note(f"Disbursement run #{waiting.pk} waits for a second finance user's approval (admin).")


def _registry_hit_after_selection(applicant: "Applicant") -> None:
    """The social-security agency's wage list, with this participant above the scheme's threshold,
    imported through the import service as PMO staff upload it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applicants.models import RegistryKind
    from applicants.waves.services.registries import registry_import_create, registry_import_run
    from prakerja.accounts.models import User
    from prakerja.core.actor import Actor
    from prakerja.core.crypto import decrypt_value

    staff = User.objects.filter(groups__name="pmo_admin").order_by("pk").first()
    if staff is None or applicant.nik_encrypted is None:
        return
    nik = decrypt_value(applicant.nik_encrypted)
    upload = SimpleUploadedFile("bpjs-upah.csv", f"nik;upah\n{nik};Rp 5.250.000\n".encode(), content_type="text/csv")
    created = registry_import_create(
        kind=RegistryKind.WAGE_EARNER,
        source="BPJS Ketenagakerjaan",
        upload=upload,
        actor=Actor.for_user(staff),
        enqueue=False,
    )
    registry_import_run(import_id=created.pk)


def _first_schedule(listing: Listing) -> int | None:
    """A webinar or offline course is bought for a session: the soonest (None if unscheduled)."""
    return listing.course.schedules.order_by("starts_at", "pk").values_list("pk", flat=True).first()
