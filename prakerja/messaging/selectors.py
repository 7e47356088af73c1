from django.db.models import QuerySet

from prakerja.messaging.models import SandboxMessage

INBOX_LIMIT = 200


def sandbox_messages_recent(*, channel: str | None = None, to: str | None = None) -> QuerySet[SandboxMessage]:
    messages = SandboxMessage.objects.all()
    if channel:
        messages = messages.filter(channel=channel)
    if to:
        messages = messages.filter(to=to)
    return messages.order_by("-created_at", "-id")[:INBOX_LIMIT]
