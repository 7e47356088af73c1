"""Waves: province quotas, opening and closing on time, and joining."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import (
    Applicant,
    Province,
    Wave,
    WaveMember,
    WaveProvinceQuota,
    WaveStatus,
)
from applicants.waves.selectors import applicant_blocked_reason
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.errors import DomainError


class WaveError(DomainError):
    """A wave's plan or quotas refused."""


# --- Quotas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaProblem:
    line: int
    message: str


def quotas_parse_csv(*, data: bytes) -> tuple[dict[str, int], list[QuotaProblem]]:
    """Read "province code (or name), quota" lines; return the quotas and every problem."""
    provinces = {p.code: p.code for p in Province.objects.all()}
    by_name = {p.name.casefold(): p.code for p in Province.objects.all()}
    quotas: dict[str, int] = {}
    problems: list[QuotaProblem] = []
    text = data.decode("utf-8-sig", errors="replace")
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            problems.append(QuotaProblem(line, _("Expected a province and a quota.")))
            continue
        key, raw_quota = row[0].strip(), row[1].strip().replace(".", "").replace(",", "")
        code = provinces.get(key) or by_name.get(key.casefold())
        if code is None:
            if line == 1 and not raw_quota.isdigit():
                continue  # header
            problems.append(QuotaProblem(line, _("Unknown province: %(value)s") % {"value": key}))
            continue
        if not raw_quota.isdigit():
            problems.append(QuotaProblem(line, _("The quota must be a whole number.")))
            continue
        if code in quotas:
            problems.append(QuotaProblem(line, _("The province appears twice.")))
            continue
        quotas[code] = int(raw_quota)
    return quotas, problems


def quotas_problem(*, total: int, national_quota: int) -> str | None:
    """The province quotas may not add up to more than the national quota."""
    if total > national_quota:
        return _("The province quotas add up to %(total)s, more than the national quota of %(quota)s.") % {
            "total": f"{total:,}",
            "quota": f"{national_quota:,}",
        }
    return None


@transaction.atomic
def wave_quotas_set(*, wave: Wave, quotas: dict[str, int], actor: Actor) -> None:
    """Replace a wave's province quotas; their sum may not exceed the national quota."""
    locked = Wave.objects.select_for_update().get(pk=wave.pk)
    if locked.status not in (WaveStatus.DRAFT, WaveStatus.OPEN, WaveStatus.CLOSED):
        raise WaveError(_("Quotas cannot change once selection has started."))
    if problem := quotas_problem(total=sum(quotas.values()), national_quota=locked.national_quota):
        raise WaveError(problem)
    ids = dict(Province.objects.filter(code__in=quotas).values_list("code", "pk"))
    WaveProvinceQuota.objects.filter(wave=locked).delete()
    WaveProvinceQuota.objects.bulk_create(
        [WaveProvinceQuota(wave=locked, province_id=ids[code], quota=quota) for code, quota in sorted(quotas.items())]
    )
    audit_record(actor=actor, action="wave.quotas_set", target=locked, payload={"quotas": quotas})


# --- Saving a wave (the PMO's admin screen) ---------------------------------------------------

# A wave's plan may change until it closes; from then on these fields stay as they are.
WAVE_EDITABLE_STATUSES = (WaveStatus.DRAFT, WaveStatus.OPEN)
WAVE_PLAN_FIELDS = ("number", "scheme", "opens_at", "closes_at", "national_quota")


def wave_locked_fields(wave: Wave | None) -> tuple[str, ...]:
    """The plan fields that may no longer change on this wave (none for a new or open one)."""
    if wave is not None and wave.pk is not None and wave.status not in WAVE_EDITABLE_STATUSES:
        return WAVE_PLAN_FIELDS
    return ()


def wave_save(
    *, wave: Wave, changed: dict[str, Any], created: bool, actor: Actor, request: HttpRequest | None = None
) -> Wave:
    """Save a wave created or edited by staff and audit what changed; a closed wave's plan is refused."""
    if locked := set(changed) & set(wave_locked_fields(wave if not created else None)):
        raise WaveError(
            _("The wave's plan cannot change once it has closed: %(fields)s.") % {"fields": ", ".join(sorted(locked))}
        )
    with transaction.atomic():
        wave.save()
        audit_record(
            actor=actor,
            action="wave.created" if created else "wave.changed",
            target=wave,
            payload={field: str(value) for field, value in changed.items()},
            request=request,
        )
    return wave


def wave_quotas_record(*, wave: Wave, actor: Actor, request: HttpRequest | None = None) -> None:
    """Audit the quotas as they now stand after staff edited them inline (like an imported CSV)."""
    quotas = dict(wave.province_quotas.values_list("province_id", "quota"))
    audit_record(actor=actor, action="wave.quotas_set", target=wave, payload={"quotas": quotas}, request=request)


def wave_quotas_total(wave: Wave) -> int:
    return WaveProvinceQuota.objects.filter(wave=wave).aggregate(total=Sum("quota"))["total"] or 0


# --- Opening and closing on time ----------------------------------------------------------


def waves_advance(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Open scheduled waves whose time has come and close open ones whose time is up (beat
    runs this every minute). Conditional updates: two ticks at once change a wave only once."""
    now = now or timezone.now()
    changed: dict[str, list[int]] = {"opened": [], "closed": []}
    with transaction.atomic():
        for wave in Wave.objects.select_for_update(skip_locked=True).filter(
            status=WaveStatus.DRAFT, opens_at__lte=now, closes_at__gt=now
        ):
            wave.status = WaveStatus.OPEN
            wave.save(update_fields=["status"])
            audit_record(actor=Actor.system("wave-schedule"), action="wave.opened", target=wave)
            changed["opened"].append(wave.number)
        for wave in Wave.objects.select_for_update(skip_locked=True).filter(
            status__in=[WaveStatus.DRAFT, WaveStatus.OPEN], closes_at__lte=now
        ):
            wave.status = WaveStatus.CLOSED
            wave.save(update_fields=["status"])
            audit_record(actor=Actor.system("wave-schedule"), action="wave.closed", target=wave)
            changed["closed"].append(wave.number)
    return changed


# --- Joining -----------------------------------------------------------------------------


def wave_join(
    *,
    applicant: Applicant,
    wave: Wave,
    province: Province,
    statements_accepted: bool,
    now: dt.datetime | None = None,
) -> WaveMember:
    now = now or timezone.now()
    if not statements_accepted:
        raise ApplicantError(_("Please read and accept the statements to join."), field="statements")
    with transaction.atomic():
        # One join at a time per applicant: two tabs cannot join two waves.
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.processing_restricted_at is not None:
            raise ApplicantError(
                _(
                    "You asked us to restrict the use of your data to the programme's duties: "
                    "you cannot join a new wave."
                ),
                code="processing_restricted",
            )
        reason = applicant_blocked_reason(locked)
        if reason:
            raise ApplicantError(reason)
        current = Wave.objects.get(pk=wave.pk)
        if current.status != WaveStatus.OPEN or not current.opens_at <= now < current.closes_at:
            raise ApplicantError(_("This wave is not open for joining."))
        member = WaveMember.objects.create(
            wave=current, applicant=locked, province=province, statements_accepted_at=now
        )
        audit_record(
            actor=Actor.for_user(locked.user),
            action="wave.joined",
            target=member,
            payload={"wave": current.number, "province": province.code},
        )
    return member
