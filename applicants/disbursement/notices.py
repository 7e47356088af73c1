"""Telling participants about transfers that did not reach them (SMS and email, in
Indonesian: the phone and the inbox, not the browser, read them)."""

from django.conf import settings

from applicants.models import Payout
from prakerja.core.db import stream
from prakerja.core.formatting import rupiah
from prakerja.messaging.services import email_send_after_commit, sms_send_after_commit


def payouts_notify(*, failed: list[int], reversed: list[int]) -> int:
    sent = 0
    link = f"{settings.SITE_URL}/insentif/rekening/"
    payouts = Payout.objects.filter(pk__in=[*failed, *reversed]).select_related("instalment__card__applicant__user")
    for payout in stream(payouts, chunk_size=500):
        applicant = payout.instalment.card.applicant
        if payout.pk in failed:
            text = (
                f"Transfer insentif Kartu Prakerja {rupiah(payout.amount)} gagal: {payout.failure_reason} "
                f"Ganti rekening/e-wallet Anda di {link} agar kami kirim ulang."
            )
            kind = "failed"
        else:
            text = (
                f"Insentif Kartu Prakerja {rupiah(payout.amount)} dikembalikan oleh bank/e-wallet penerima. "
                f"Periksa atau ganti rekening Anda di {link}; kami akan mengirim ulang."
            )
            kind = "reversed"
        if applicant.phone:
            sms_send_after_commit(to=applicant.phone, text=text, reference=f"payout-{kind}:{payout.pk}")
        email_send_after_commit(
            to=applicant.user.email,
            subject="Transfer insentif Kartu Prakerja tidak berhasil",
            body=text,
            reference=f"payout-{kind}-email:{payout.pk}",
        )
        sent += 1
    return sent
