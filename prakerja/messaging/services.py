"""Queue messages after the surrounding transaction commits, never before: a rolled-back
change must not have told anyone anything."""

from functools import partial

from django.db import transaction

from prakerja.messaging.tasks import email_send, sms_send


def sms_send_after_commit(*, to: str, text: str, reference: str) -> None:
    transaction.on_commit(partial(sms_send.delay, to=to, text=text, reference=reference))


def email_send_after_commit(*, to: str, subject: str, body: str, reference: str) -> None:
    transaction.on_commit(partial(email_send.delay, to=to, subject=subject, body=body, reference=reference))
