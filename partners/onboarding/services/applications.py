"""The open door: any platform that accepts the standard terms may apply. The entry criteria
(2020 regulation) are checked when it applies and shown to the reviewer; approval records the
standard agreement, takes the platform to onboarding and issues its API credentials."""

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from applicants.models import Province
from partners.models import STANDARD_TERMS_VERSION, ApplicationStatus, Partner, PartnerStatus, PlatformApplication
from partners.platforms.services.api_keys import IssuedKey, api_key_issue
from partners.platforms.services.lifecycle import LifecycleError, agreement_record, partner_status_change
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.messaging.services import email_send_after_commit


def coverage_needed() -> int:
    """Users in at least two thirds of all provinces."""
    return math.ceil(Province.objects.count() * 2 / 3)


def application_criteria(application: PlatformApplication, provinces: int) -> dict[str, dict[str, Any]]:
    needed = coverage_needed()
    return {
        "limited_company": {
            "ok": bool(re.match(r"^PT\.?\s", application.company_name.strip(), re.IGNORECASE)),
            "detail": "Perseroan Terbatas (PT)",
        },
        "licences": {
            "ok": bool(re.fullmatch(r"[0-9]{13}", application.business_id_number))
            and bool(re.fullmatch(r"[0-9]{15,16}", application.tax_number)),
            "detail": "NIB 13 digit, NPWP 15/16 digit",
        },
        "coverage": {"ok": provinces >= needed, "detail": f"{provinces} / {needed} provinsi"},
        "payment_integration": {
            "ok": application.can_integrate_payment,
            "detail": "Prakerja sebagai metode pembayaran",
        },
        "standard_terms": {
            "ok": application.terms_version == STANDARD_TERMS_VERSION,
            "detail": f"versi {application.terms_version or '-'}",
        },
    }


@transaction.atomic
def application_submit(
    *, data: dict[str, Any], provinces: Iterable[Province], terms_accepted: bool
) -> PlatformApplication:
    application = PlatformApplication(
        **data, terms_version=STANDARD_TERMS_VERSION if terms_accepted else "", criteria={}
    )
    application.save()
    chosen = list(provinces)
    application.provinces.set(chosen)
    application.criteria = application_criteria(application, len(chosen))
    application.save(update_fields=["criteria"])
    audit_record(
        actor=Actor.system("open onboarding"),
        action="partner.application_submitted",
        target=application,
        payload={"meets_criteria": application.meets_criteria},
    )
    email_send_after_commit(
        to=application.contact_email,
        subject="Pendaftaran platform digital Kartu Prakerja diterima",
        body=(
            f"Yth. {application.contact_name},\n\nPendaftaran {application.platform_name} "
            f"({application.company_name}) sudah kami terima dan akan ditinjau oleh Manajemen Pelaksana "
            "Program Kartu Prakerja.\n"
        ),
        reference=f"platform-application:{application.pk}",
    )
    return application


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "platform"
    slug, n = base, 1
    while Partner.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def application_decide(
    *, application_id: int, approve: bool, reason: str, actor: Actor
) -> tuple[PlatformApplication, IssuedKey | None]:
    """Approve (the criteria must be met) or reject, with a reason. Approval: the platform is
    created, the standard agreement recorded, the platform taken to onboarding, and API
    credentials issued for its integration check (shown once to the partner manager)."""
    if not reason.strip():
        raise LifecycleError(_("A reason is required."))
    application = PlatformApplication.objects.select_for_update().get(pk=application_id)
    if application.status != ApplicationStatus.SUBMITTED:
        raise LifecycleError(_("This application was already decided."))
    application.decided_at, application.decided_by = timezone.now(), actor.person
    application.decision_reason = reason.strip()
    issued = None
    if approve:
        if not application.meets_criteria:
            raise LifecycleError(_("The application does not meet the entry criteria."))
        partner = Partner.objects.create(
            name=application.platform_name,
            slug=_unique_slug(application.platform_name),
            legal_name=application.company_name,
            website=application.website,
            contact_email=application.contact_email,
            status=PartnerStatus.PROSPECT,
        )
        today = timezone.localdate()
        agreement_record(
            partner=partner,
            number=f"PKS/TERBUKA/{today.year}/{application.pk:04d}",
            signed_on=today,
            starts_on=today,
            ends_on=today + dt.timedelta(days=365),
            terms_version=application.terms_version,
            actor=actor,
        )
        partner_status_change(
            partner=partner,
            to=PartnerStatus.AGREEMENT_SIGNED,
            reason="Menerima ketentuan standar melalui pendaftaran terbuka.",
            actor=actor,
        )
        partner_status_change(partner=partner, to=PartnerStatus.ONBOARDING, reason=reason.strip(), actor=actor)
        partner.refresh_from_db()
        issued = api_key_issue(partner=partner, name="integrasi", actor=actor)
        application.partner = partner
        application.status = ApplicationStatus.APPROVED
    else:
        application.status = ApplicationStatus.REJECTED
        email_send_after_commit(
            to=application.contact_email,
            subject="Pendaftaran platform digital Kartu Prakerja",
            body=f"Yth. {application.contact_name},\n\nPendaftaran {application.platform_name} belum dapat "
            f"kami setujui.\nAlasan: {reason.strip()}\n",
            reference=f"platform-application-rejected:{application.pk}",
        )
    application.save()
    audit_record(
        actor=actor,
        action="partner.application_approved" if approve else "partner.application_rejected",
        target=application,
        payload={"reason": reason.strip()},
    )
    return application, issued
