"""Training institutions and their integration credentials."""

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.integration.institutions import institutions_changed_now_and_on_commit
from courses.models import InstitutionSigningKey, InstitutionStatus, TrainingInstitution
from courses.models.institutions import host_name_validator
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import decrypt_value, encrypt_value

KEY_OVERLAP = dt.timedelta(days=7)


def _new_client_code(brand: str) -> str:
    stem = "".join(ch for ch in brand.lower() if ch.isalnum())[:12] or "lp"
    return f"{stem}-{secrets.token_hex(4)}"


@transaction.atomic
def institution_create(
    *,
    legal_name: str,
    brand: str,
    business_number: str,
    contact_email: str,
    actor: Actor,
    licence_number: str = "",
    issue_key: bool = True,
) -> tuple[TrainingInstitution, str | None]:
    """Register an institution and (with issue_key) issue its first sign key. Returns the key in
    clear: it is shown once and cannot be read back from the portal."""
    institution = TrainingInstitution.objects.create(
        legal_name=legal_name,
        brand=brand,
        business_number=business_number,
        licence_number=licence_number,
        contact_email=contact_email,
        client_code=_new_client_code(brand),
    )
    key = signing_key_issue(institution=institution, actor=actor, overlap=None) if issue_key else None
    audit_record(actor=actor, action="institution.create", target=institution)
    return institution, key


@transaction.atomic
def signing_key_issue(
    *, institution: TrainingInstitution, actor: Actor, overlap: dt.timedelta | None = KEY_OVERLAP
) -> str:
    """A new sign key; the current ones stay valid for `overlap` so clients can switch."""
    now = timezone.now()
    if overlap is not None:
        InstitutionSigningKey.objects.filter(institution=institution, expires_at__isnull=True).update(
            expires_at=now + overlap
        )
    key = secrets.token_urlsafe(32)
    InstitutionSigningKey.objects.create(institution=institution, key_encrypted=encrypt_value(key), key_hint=key[-4:])
    audit_record(
        actor=actor,
        action="institution.signing_key_issue",
        target=institution,
        payload={"hint": key[-4:], "overlap_days": overlap.days if overlap else 0},
    )
    return key


@transaction.atomic
def signing_keys_revoke(*, institution: TrainingInstitution, actor: Actor) -> int:
    """End every sign key of the institution that still verifies requests, now (a leaked key
    must not wait out the rotation overlap). Returns how many were revoked."""
    now = timezone.now()
    keys = list(
        InstitutionSigningKey.objects.select_for_update()
        .filter(institution=institution)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("pk")
    )
    if keys:
        InstitutionSigningKey.objects.filter(pk__in=[k.pk for k in keys]).update(expires_at=now)
    TrainingInstitution.objects.filter(pk=institution.pk).update(signing_keys_changed_at=now)
    institution.signing_keys_changed_at = now
    # Bulk updates send no signal: the integration's per-process caches are told here.
    institutions_changed_now_and_on_commit()
    audit_record(
        actor=actor,
        action="institution.signing_keys_revoke",
        target=institution,
        payload={"hints": [k.key_hint for k in keys]},
    )
    return len(keys)


def signing_keys_valid(*, institution: TrainingInstitution) -> list[str]:
    """Every sign key that verifies a request now (the newest first)."""
    now = timezone.now()
    keys = institution.signing_keys.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).order_by("-created_at")
    return [decrypt_value(k.key_encrypted) for k in keys]


@transaction.atomic
def institution_set_status(
    *, institution: TrainingInstitution, status: InstitutionStatus, actor: Actor, reason: str
) -> TrainingInstitution:
    previous = institution.status
    institution.status = status
    institution.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=f"institution.{status}",
        target=institution,
        payload={"from": previous, "reason": reason},
    )
    return institution


@transaction.atomic
def institution_redirect_hosts_set(
    *, institution: TrainingInstitution, hosts: list[str], actor: Actor
) -> TrainingInstitution:
    """The hosts an attendance link may send the participant back to (with the redeem code)."""
    cleaned = sorted({host.strip().lower().rstrip(".") for host in hosts if host.strip()})
    for host in cleaned:
        host_name_validator(host)
    previous = list(institution.attendance_redirect_hosts)
    institution.attendance_redirect_hosts = cleaned
    institution.save(update_fields=["attendance_redirect_hosts"])
    audit_record(
        actor=actor,
        action="institution.redirect_hosts_set",
        target=institution,
        payload={"from": previous, "to": cleaned},
    )
    return institution
