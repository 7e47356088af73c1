"""Privacy notices (a new version is added, never edited), and the acceptances and consents on
record (read-only: only applicants write them)."""

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from applicants.models import Consent, NoticeAcceptance, PrivacyNotice
from applicants.privacy.services import notice_publish
from prakerja.core.actor import Actor
from prakerja.core.admin_base import ReadOnlyAdmin


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin[PrivacyNotice]):
    list_display = ("version", "title", "published_at")
    fields = ("title", "summary", "text", "published_at")

    def get_readonly_fields(self, request: HttpRequest, obj: PrivacyNotice | None = None) -> tuple[str, ...]:
        return ("version", *self.fields) if obj else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PrivacyNotice, form: ModelForm[Any], change: bool) -> None:
        published = notice_publish(
            actor=Actor.for_request(request),
            title=obj.title,
            summary=obj.summary,
            text=obj.text,
            published_at=obj.published_at,
        )
        obj.pk, obj.version = published.pk, published.version


@admin.register(NoticeAcceptance)
class NoticeAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("applicant", "notice", "accepted_at", "channel")
    list_select_related = ("applicant__user", "notice")
    list_filter = ("notice", "channel")


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("applicant", "purpose", "granted", "changed_at", "channel")
    list_select_related = ("applicant__user",)
    list_filter = ("purpose", "granted")
