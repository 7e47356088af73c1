"""Linking the bank account or e-wallet that incentives are paid to.

The provider's account inquiry gives the holder's name (masked for e-wallets); the name must
be the participant's own after normalisation (case, punctuation, titles), an e-wallet's number
must be the participant's verified phone, and an SMS code confirms. Another person's name is
never shown whole (holder_name_hint), and the page limits inquiries per participant and per
address per day (each is a paid call, and a name oracle otherwise). A near match goes to a
verifier. Changing the account later is the same path; every change is audited.
"""

import re
import unicodedata
from difflib import SequenceMatcher

import phonenumbers
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import (
    AccountMatch,
    Applicant,
    Card,
    CardStatus,
    Instalment,
    OtpPurpose,
    PayoutAccount,
    PayoutAccountStatus,
)
from applicants.registration.services.otp import otp_send, otp_verify
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.messaging.services import sms_send_after_commit
from prakerja.payments.providers import PayoutChannel, is_ewallet, payment_provider

# Titles and honorifics that appear on bank records but not on the ID card (or the reverse).
TITLES = frozenset(
    [
        "dr",
        "drs",
        "dra",
        "ir",
        "h",
        "hj",
        "prof",
        "sh",
        "se",
        "spd",
        "skom",
        "st",
        "sp",
        "mm",
        "mba",
        "msi",
        "mt",
        "amd",
        "ssos",
        "sag",
        "sik",
        "sked",
        "bapak",
        "ibu",
        "bpk",
        "sdr",
        "sdri",
        "tn",
        "ny",
        "nn",
        "mr",
        "mrs",
        "ms",
    ]
)
FUZZY_RATIO = 0.85


class PayoutAccountError(ApplicantError):
    pass


def name_tokens(name: str) -> list[str]:
    """Upper-case words without accents, punctuation or titles: "Hj. Siti Rahmawati, S.Pd." ->
    ["SITI", "RAHMAWATI"]."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = []
    for raw in re.split(r"[\s,]+", plain):
        word = re.sub(r"[^A-Za-z*]", "", raw)
        if word and word.lower().replace("*", "") not in TITLES:
            words.append(word.upper())
    return words


def _masked_word_matches(masked: str, word: str) -> bool:
    visible = masked.rstrip("*")
    return len(masked) == len(word) and word.startswith(visible) if "*" in masked else masked == word


def names_compare(*, identity_name: str, holder_name: str) -> str | None:
    """EXACT, FUZZY (for a verifier) or None (refused)."""
    ours, theirs = name_tokens(identity_name), name_tokens(holder_name)
    if not ours or not theirs:
        return None
    if any("*" in word for word in theirs):  # an e-wallet's masked name: compare the visible letters
        if len(ours) == len(theirs) and all(_masked_word_matches(m, w) for m, w in zip(theirs, ours, strict=True)):
            return AccountMatch.EXACT
        return None
    if ours == theirs:
        return AccountMatch.EXACT
    if SequenceMatcher(None, " ".join(ours), " ".join(theirs)).ratio() >= FUZZY_RATIO or (
        set(ours) <= set(theirs) or set(theirs) <= set(ours)
    ):
        return AccountMatch.FUZZY
    return None


def holder_name_hint(name: str) -> str:
    """Another person's name as the participant may see it: each word's first letter, the rest
    starred ("BUDI SANTOSO" -> "B*** S******"). Typing account numbers must not tell anyone who
    owns them."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)


def _ewallet_number(phone: str) -> str:
    """E-wallets are keyed by the phone number, which providers write 62812...."""
    try:
        parsed = phonenumbers.parse(phone, "ID")
    except phonenumbers.NumberParseException:
        return ""
    return f"{parsed.country_code}{parsed.national_number}"


def _participant_card(applicant: Applicant) -> Card:
    card = Card.objects.filter(applicant=applicant).first()
    if card is None or card.status == CardStatus.REVOKED:
        raise PayoutAccountError(_("Only participants with a Kartu Prakerja can link a payout account."))
    return card


def payout_account_start(*, applicant: Applicant, channel: str, account_number: str) -> PayoutAccount:
    """Check the account with the provider and send the SMS code that confirms it."""
    _participant_card(applicant)
    if channel not in PayoutChannel.values:
        raise PayoutAccountError(_("Choose a bank or e-wallet from the list."), field="channel")
    if not applicant.phone or applicant.phone_verified_at is None:
        raise PayoutAccountError(_("Verify your mobile number first."))
    number = re.sub(r"[\s.-]", "", account_number)
    if is_ewallet(channel):
        number = _ewallet_number(number)
        if not number or number != _ewallet_number(applicant.phone):
            raise PayoutAccountError(
                _("The e-wallet must be registered to your verified mobile number (%(phone)s).")
                % {"phone": applicant.phone},
                field="account_number",
            )
    elif not re.fullmatch(r"[0-9]{6,20}", number):
        raise PayoutAccountError(_("An account number has 6 to 20 digits."), field="account_number")
    inquiry = payment_provider().account_inquiry(channel=channel, account_number=number)
    if not inquiry.found:
        raise PayoutAccountError(
            _("%(bank)s does not know this account number. Check it and try again.")
            % {"bank": PayoutChannel(channel).label},
            field="account_number",
        )
    match = names_compare(identity_name=applicant.full_name, holder_name=inquiry.holder_name)
    if match is None:
        raise PayoutAccountError(
            _(
                "This account is in another person's name (%(hint)s), not yours. Incentives can only be paid to "
                "an account in your own name as on your ID card."
            )
            % {"hint": holder_name_hint(inquiry.holder_name)},
            field="account_number",
        )
    with transaction.atomic():
        Applicant.objects.select_for_update().filter(pk=applicant.pk).first()
        PayoutAccount.objects.filter(applicant=applicant, status=PayoutAccountStatus.AWAITING_CODE).update(
            status=PayoutAccountStatus.ABANDONED, ended_at=timezone.now()
        )
        account = PayoutAccount.objects.create(
            applicant=applicant, channel=channel, account_number=number, holder_name=inquiry.holder_name, match=match
        )
        otp_send(
            user=applicant.user, purpose=OtpPurpose.PAYOUT_ACCOUNT, target=applicant.phone, subject_ref=str(account.pk)
        )
    return account


def payout_account_resend(*, account: PayoutAccount) -> None:
    otp_send(
        user=account.applicant.user,
        purpose=OtpPurpose.PAYOUT_ACCOUNT,
        target=account.applicant.phone,
        subject_ref=str(account.pk),
    )


def payout_account_confirm(*, account: PayoutAccount, code: str) -> PayoutAccount:
    """The SMS code: an exact name match is in use at once, a near match waits for a verifier.
    Three wrong codes lock linking for an hour (the OTP service's rule)."""
    if account.status != PayoutAccountStatus.AWAITING_CODE:
        raise PayoutAccountError(_("This account is no longer waiting for a code. Start again."))
    otp_verify(user=account.applicant.user, purpose=OtpPurpose.PAYOUT_ACCOUNT, code=code, subject_ref=str(account.pk))
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().get(pk=account.pk)
        if account.status != PayoutAccountStatus.AWAITING_CODE:
            raise PayoutAccountError(_("This account is no longer waiting for a code. Start again."))
        account.confirmed_at = timezone.now()
        if account.match == AccountMatch.EXACT:
            _activate(account, actor=Actor.for_user(account.applicant.user))
        else:
            account.status = PayoutAccountStatus.AWAITING_REVIEW
            account.save(update_fields=["status", "confirmed_at"])
            audit_record(
                actor=Actor.for_user(account.applicant.user), action="payout_account.sent_for_review", target=account
            )
    return account


def payout_account_review(*, account_id: int, approve: bool, note: str, actor: Actor) -> PayoutAccount:
    """A verifier decides a near-match name."""
    if not note.strip():
        raise PayoutAccountError(_("Write the reason for the decision."))
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().select_related("applicant").get(pk=account_id)
        if account.status != PayoutAccountStatus.AWAITING_REVIEW:
            raise PayoutAccountError(_("This account is not waiting for a verifier."))
        account.reviewed_by = actor.person
        account.review_note = note.strip()[:500]
        if approve:
            _activate(account, actor=actor)
        else:
            account.status = PayoutAccountStatus.REJECTED
            account.ended_at = timezone.now()
            account.save(update_fields=["status", "ended_at", "reviewed_by", "review_note"])
            audit_record(actor=actor, action="payout_account.rejected", target=account)
            if account.applicant.phone:
                sms_send_after_commit(
                    to=account.applicant.phone,
                    text="Rekening/e-wallet yang Anda tautkan ke Kartu Prakerja ditolak karena nama pemilik tidak "
                    "sesuai KTP. Silakan tautkan rekening atas nama Anda sendiri.",
                    reference=f"payout-account-rejected:{account.pk}",
                )
    return account


def _activate(account: PayoutAccount, *, actor: Actor) -> None:
    """Put the account in use: the previous one is replaced, instalments held because of the
    old account are released, and a waiting entitlement may now be scheduled."""
    from applicants.incentives.services.entitlements import entitlement_schedule_if_ready

    now = timezone.now()
    previous = list(
        PayoutAccount.objects.select_for_update().filter(
            applicant_id=account.applicant_id, status=PayoutAccountStatus.ACTIVE
        )
    )
    for old in previous:
        old.status = PayoutAccountStatus.REPLACED
        old.ended_at = now
        old.save(update_fields=["status", "ended_at"])
    account.status = PayoutAccountStatus.ACTIVE
    account.activated_at = now
    account.save(update_fields=["status", "activated_at", "confirmed_at", "reviewed_by", "review_note"])
    audit_record(
        actor=actor,
        action="payout_account.changed" if previous else "payout_account.linked",
        target=account,
        payload={"channel": account.channel, "number": account.masked_number, "replaced": [p.pk for p in previous]},
    )
    released = Instalment.objects.filter(card__applicant_id=account.applicant_id).exclude(held_reason="")
    released.update(held_reason="")
    card = Card.objects.filter(applicant_id=account.applicant_id).first()
    if card is not None:
        entitlement_schedule_if_ready(card_id=card.pk)
