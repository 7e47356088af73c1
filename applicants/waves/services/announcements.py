"""Telling every member of an announced wave their result, in batches."""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import Decision, Reason, Wave, WaveStatus
from prakerja.messaging.services import email_send_after_commit, sms_send_after_commit


def _text(*, outcome: str, reasons: list[str], number: str | None, wave: int, balance: int | None) -> str:
    if outcome == "selected":
        return _(
            "Congratulations! You were selected in Kartu Prakerja wave %(wave)s. Card number %(number)s, "
            "training balance Rp%(balance)s. Buy your first course before the deadline shown on your dashboard."
        ) % {"wave": wave, "number": number, "balance": f"{balance or 0:,}".replace(",", ".")}
    explained = " ".join(str(Reason(r).label) for r in reasons if r in Reason.values)
    if outcome == "pending":
        return _(
            "Kartu Prakerja wave %(wave)s: your result is not decided yet. %(reasons)s "
            "We will tell you the result when the check is done."
        ) % {"wave": wave, "reasons": explained}
    if outcome == "ineligible":
        text = _("Kartu Prakerja wave %(wave)s: you are not eligible. %(reasons)s") % {
            "wave": wave,
            "reasons": explained,
        }
        if Reason.IDENTITY_UNVERIFIED in reasons:  # the one reason the person can fix at once
            text += " " + _("Verify your identity with a selfie on your dashboard, then join the next wave.")
        return text
    return _(
        "Kartu Prakerja wave %(wave)s: you were not selected this time. %(reasons)s "
        "You may join the next wave without filling in your data again."
    ) % {"wave": wave, "reasons": explained}


def wave_notify_batch(*, wave_id: int, after: int = 0, batch: int | None = None) -> int | None:
    """Queue the result messages of the next batch of members (by member id, after `after`)
    not yet told; return the last member id looked at, or None when the wave is done.

    The decisions are marked in the same transaction that queues the messages (sent after
    commit), and each message carries a reference the providers deduplicate on."""
    batch = batch or settings.ANNOUNCEMENT_BATCH
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.member_id, d.outcome, d.reasons, w.number, u.email, a.phone, c.number, acc.balance, d.notified_at
            FROM applicants_decision AS d
            JOIN applicants_wave AS w ON w.id = d.wave_id
            JOIN applicants_wavemember AS m ON m.id = d.member_id
            JOIN applicants_applicant AS a ON a.id = m.applicant_id
            JOIN accounts_user AS u ON u.id = a.user_id
            LEFT JOIN applicants_card AS c ON c.decision_id = d.member_id
            LEFT JOIN ledger_account AS acc ON acc.id = c.account_id
            WHERE d.wave_id = %s AND d.member_id > %s
            ORDER BY d.member_id
            LIMIT %s
            FOR UPDATE OF d
            """,
            [wave_id, after, batch],
        )
        batch_rows = cursor.fetchall()
        if not batch_rows:
            return None
        # Keyset by member id: each batch reads its own slice of the primary key; those told
        # by an earlier (crashed or repeated) run are skipped.
        rows = [row for row in batch_rows if row[-1] is None]
        for member_id, outcome, reasons, wave_number, email, phone, number, balance, _told in rows:
            text = _text(outcome=outcome, reasons=reasons, number=number, wave=wave_number, balance=balance)
            # A pending result is told twice: now, and when settled (a reference of its own each).
            reference = f"wave-{wave_number}-result-{member_id}" + ("-pending" if outcome == "pending" else "")
            email_send_after_commit(
                to=email,
                subject=_("Your Kartu Prakerja wave %(wave)s result") % {"wave": wave_number},
                body=text,
                reference=f"{reference}-email",
            )
            if phone:
                sms_send_after_commit(to=phone, text=text, reference=f"{reference}-sms")
        if rows:
            cursor.execute(
                "UPDATE applicants_decision SET notified_at = %s WHERE member_id = ANY(%s)",
                [timezone.now(), [r[0] for r in rows]],
            )
        return int(batch_rows[-1][0])


def waves_untold(*, announced_before: dt.timedelta = dt.timedelta(minutes=30)) -> list[int]:
    """Announced waves with members not yet told (their wave_notify chain was lost to a broker
    outage or a dead worker): the sweeper starts their chain again. Batches skip those told."""
    cutoff = timezone.now() - announced_before
    return list(
        Wave.objects.filter(status=WaveStatus.ANNOUNCED, announced_at__lte=cutoff)
        .filter(Exists(Decision.objects.filter(wave=OuterRef("pk"), notified_at=None)))
        .values_list("pk", flat=True)
    )
