"""Messages are written to the outbox (OutboxMessage) in the surrounding transaction and
relayed after it commits: a rolled-back change has told nobody anything, and a committed one
cannot lose its message to a broker outage (the sweeper re-queues what is still pending)."""

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from prakerja.core.queueing import enqueue, enqueue_after_commit
from prakerja.messaging.models import Channel, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# A pending message is queued again after this long (the first relay normally wins by far),
# and given up after GIVE_UP_AFTER.
REQUEUE_AFTER = dt.timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_S)
GIVE_UP_AFTER = dt.timedelta(days=1)


def _outbox_write(*, channel: str, to: str, subject: str, body: str, reference: str) -> None:
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(channel=channel, to=to, subject=subject, body=body, reference=reference)],
        ignore_conflicts=True,  # the same reference twice is one message
    )


def sms_send_after_commit(*, to: str, text: str, reference: str) -> None:
    _outbox_write(
        channel=Channel.SMS,
        to=to,
        subject="",
        body=text,
        reference=reference,
    )
    # A broker that is down at commit does not fail the request; the row waits for the sweeper.
    enqueue_after_commit("messaging.sms_send", to=to, text=text, reference=reference)


def email_send_after_commit(*, to: str, subject: str, body: str, reference: str) -> None:
    _outbox_write(
        channel=Channel.EMAIL,
        to=to,
        subject=subject,
        body=body,
        reference=reference,
    )
    enqueue_after_commit("messaging.email_send", to=to, subject=subject, body=body, reference=reference)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    reference: str


# One task sends this many emails over one provider connection.
EMAIL_BATCH = 200


def emails_send_bulk_after_commit(messages: Iterable[Email]) -> int:
    """Many emails at once (a notice to everyone in a data set): the outbox rows in a few
    INSERTs, one task per EMAIL_BATCH messages after the commit. The same guarantees as one
    email: a rolled-back change sends nothing, a lost task is re-queued by the sweeper."""
    rows = [
        OutboxMessage(channel=Channel.EMAIL, to=m.to, subject=m.subject, body=m.body, reference=m.reference)
        for m in messages
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    references = [row.reference for row in rows]
    for start in range(0, len(references), EMAIL_BATCH):
        enqueue_after_commit("messaging.email_send_batch", references=references[start : start + EMAIL_BATCH])
    return len(rows)


# One task sends this many SMS (the gateway has no connection to share, but one task per
# message would flood the broker with a million tasks).
SMS_BATCH = 200

_NOTICE_INSERT = """
    INSERT INTO messaging_outboxmessage (
        channel, reference, "to", subject, body, status, created_at, queued_at, queued_count
    )
    SELECT %(channel)s, m.reference, m.recipient, %(subject)s, %(body)s, 'pending', now(), now(), 1
    FROM unnest(%(references)s::text[], %(recipients)s::text[]) AS m(reference, recipient)
    ON CONFLICT (channel, reference) DO NOTHING
"""


def notices_send_bulk_after_commit(
    *, channel: str, recipients: Sequence[tuple[str, str]], subject: str = "", body: str
) -> int:
    """The same words to many people (a programme notice): `recipients` are (address or E.164
    number, reference) pairs. The outbox rows are written by one INSERT from two arrays (no row
    object per person), then one task per EMAIL_BATCH / SMS_BATCH references after the commit.
    The same guarantees as one message: nothing sent if the transaction rolls back, a reference
    already in the outbox is not written again (nor sent twice), a lost task is re-queued by
    the sweeper. Returns the rows written."""
    if not recipients:
        return 0
    references = [reference for _to, reference in recipients]
    with connection.cursor() as cursor:
        cursor.execute(
            _NOTICE_INSERT,
            {
                "channel": channel,
                "subject": subject if channel == Channel.EMAIL else "",
                "body": body,
                "references": references,
                "recipients": [to for to, _reference in recipients],
            },
        )
        written = cursor.rowcount
    task, size = (
        ("messaging.email_send_batch", EMAIL_BATCH)
        if channel == Channel.EMAIL
        else ("messaging.sms_send_batch", SMS_BATCH)
    )
    for start in range(0, len(references), size):
        enqueue_after_commit(task, references=references[start : start + size])
    return written


def outbox_sweep(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Queue again the messages still pending REQUEUE_AFTER after they were last queued (their
    task was lost: the broker was down at commit, or a worker died); give up after a day."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING, created_at__lt=now - GIVE_UP_AFTER).update(
        status=OutboxStatus.FAILED, body=""
    )
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, queued_at__lte=now - REQUEUE_AFTER)
            .order_by("queued_at")[:limit]
        )
        OutboxMessage.objects.filter(pk__in=[m.pk for m in due]).update(
            queued_at=now, queued_count=F("queued_count") + 1
        )
    for message in due:
        if message.channel == Channel.SMS:
            enqueue("messaging.sms_send", to=message.to, text=message.body, reference=message.reference)
        else:
            enqueue(
                "messaging.email_send",
                to=message.to,
                subject=message.subject,
                body=message.body,
                reference=message.reference,
            )
    if due:
        logger.warning("outbox: %s pending messages queued again", len(due))
    return len(due)
