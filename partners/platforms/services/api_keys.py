"""Partner API credentials: an API key (hashed at rest) and a signing secret (encrypted at
rest), both shown once when issued."""

import secrets
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.utils import timezone

from partners.api.authentication import api_keys_changed_now_and_on_commit
from partners.models import Partner, PartnerAPIKey
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import encrypt_value


@dataclass(frozen=True)
class IssuedKey:
    api_key: PartnerAPIKey
    key: str
    signing_secret: str


@transaction.atomic
def api_key_issue(*, partner: Partner, name: str, actor: Actor) -> IssuedKey:
    signing_secret = secrets.token_urlsafe(32)
    api_key, key = PartnerAPIKey.objects.create_key(
        name=name, partner=partner, signing_secret_encrypted=encrypt_value(signing_secret)
    )
    audit_record(actor=actor, action="partner.api_key_issued", target=partner, payload={"prefix": api_key.prefix})
    return IssuedKey(api_key=cast(PartnerAPIKey, api_key), key=key, signing_secret=signing_secret)


@transaction.atomic
def api_key_revoke(*, api_key: PartnerAPIKey, actor: Actor) -> None:
    PartnerAPIKey.objects.filter(pk=api_key.pk).update(revoked=True)
    api_keys_changed_now_and_on_commit()
    audit_record(
        actor=actor,
        action="partner.api_key_revoked",
        target=api_key.partner,
        payload={"prefix": api_key.prefix, "at": timezone.now().isoformat()},
    )
