"""Scheme changes: every change raises the version that decisions record, and is audited."""

from typing import Any

from django.db import transaction
from django.db.models import F

from applicants.models import Scheme
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


@transaction.atomic
def scheme_save(*, scheme: Scheme, changed: dict[str, Any], actor: Actor) -> Scheme:
    """Save a scheme edited by PMO staff. `changed` maps each changed field to its new value."""
    created = scheme.pk is None
    if not created and not changed:
        return scheme
    if created:
        scheme.version = 1
        scheme.save()
    else:
        scheme.save()
        Scheme.objects.filter(pk=scheme.pk).update(version=F("version") + 1)
        scheme.refresh_from_db(fields=["version"])
    audit_record(
        actor=actor,
        action="scheme.created" if created else "scheme.changed",
        target=scheme,
        payload={"version": scheme.version, "changed": {k: str(v) for k, v in changed.items()}},
    )
    return scheme
