"""Django email backend that delivers into the sandbox inbox."""

import hashlib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from prakerja.messaging.models import Channel, SandboxMessage
from prakerja.messaging.sandbox import ProviderError, sandbox_fails, sandbox_pause


class SandboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            sandbox_pause()
            if sandbox_fails():
                if self.fail_silently:
                    continue
                raise ProviderError("sandbox: email provider unavailable")
            reference = (
                message.extra_headers.get("X-Reference")
                or hashlib.sha256(f"{message.to}|{message.subject}|{message.body}".encode()).hexdigest()
            )
            for recipient in message.recipients():
                SandboxMessage.objects.get_or_create(
                    channel=Channel.EMAIL,
                    reference=f"{reference}:{recipient}",
                    defaults={"to": recipient, "subject": message.subject, "body": str(message.body)},
                )
            sent += 1
        return sent
