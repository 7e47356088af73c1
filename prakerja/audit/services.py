"""The one way to write the audit trail. Later apps call audit_record for every staff,
money and personal-data action. Who acted is a `prakerja.core.actor.Actor`."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.http import HttpRequest

from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor

__all__ = ["AuditEntry", "audit_record", "audit_record_bulk", "identifiers_masked"]

MAX_LABEL = 200
# NIK, KK and card numbers (16 digits, maybe grouped by four) and bank or e-wallet account
# numbers (10 digits and more): the trail can never be cleaned, so they never enter it, whoever
# passed them (an export's filters, a complaint subject typed by a person, an object's name).
_IDENTIFIER = re.compile(r"(?<!\d)(?:\d{4}[ .-]){3}\d{4}(?!\d)|\d{10,}")


def _mask_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "*" * (len(digits) - 4) + digits[-4:]


def identifiers_masked(value: Any) -> Any:
    """The value with every run of digits that may be a personal identifier masked to its last
    four digits, through dicts and lists; other values unchanged."""
    if isinstance(value, str):
        return _IDENTIFIER.sub(_mask_match, value)
    if isinstance(value, Mapping):
        return {key: identifiers_masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [identifiers_masked(item) for item in value]
    return value


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    actor: Actor
    action: str
    target: models.Model | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a load balancer ClientAddressMiddleware (TRUSTED_PROXIES) has already put the
    # client's address here.
    return request.META.get("REMOTE_ADDR") or None


def target_repr(target: models.Model) -> str:
    """How the trail names an object: its `audit_repr()` where the model defines one (people:
    an id, never a name or an address), else its text with identifiers masked."""
    named = getattr(target, "audit_repr", None)
    return named() if callable(named) else identifiers_masked(str(target))


def _build(entry: AuditEntry, ip_address: str | None) -> AuditEvent:
    target = entry.target
    return AuditEvent(
        actor_type=entry.actor.type,
        actor_user=entry.actor.user,
        actor_label=entry.actor.label[:MAX_LABEL],
        action=entry.action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=target_repr(target)[:MAX_LABEL] if target is not None else "",
        payload=identifiers_masked(dict(entry.payload)),
        ip_address=ip_address,
    )


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    payload: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction that makes the change, so the
    record exists exactly when the change does."""
    event = _build(AuditEntry(actor=actor, action=action, target=target, payload=payload or {}), _client_ip(request))
    event.save()
    return event


def audit_record_bulk(*, entries: Iterable[AuditEntry], batch_size: int = 5000) -> int:
    """Append many audit events in few statements (batch jobs)."""
    events = [_build(entry, None) for entry in entries]
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
