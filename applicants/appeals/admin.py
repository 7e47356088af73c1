"""Blocks and appeals in the admin: the PMO edits the reasons' words; verifiers block a person
(a service call, not a model form) and work the appeal queue (filters by status, reason and
overdue; evidence photos behind signed links; uphold or reject with a reason)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.appeals.selectors import appeal_queue
from applicants.appeals.services import appeal_decide, block_place
from applicants.models import Appeal, AppealStatus, Applicant, Block, BlockReason, Card
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import decide_each
from prakerja.core.admin_base import ServiceAddMixin
from prakerja.core.crypto import mask_identifier
from prakerja.core.uploads import private_file_pk, private_file_token, private_image_response

EVIDENCE = ("ktp_photo", "kk_photo", "selfie")


@admin.register(BlockReason)
class BlockReasonAdmin(admin.ModelAdmin[BlockReason]):
    list_display = ("code", "label_id", "label_en", "is_active", "position")
    list_editable = ("is_active", "position")
    fields = ("code", "label_id", "label_en", "explanation_id", "explanation_en", "is_active", "position")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()  # blocks refer to it; the words may change

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BlockForm(forms.Form):
    card_number = forms.RegexField(
        label=gettext_lazy("Card number"),
        regex=r"^\s*\d{16}\s*$",
        required=False,
        help_text=gettext_lazy("A participant."),
    )
    applicant_id = forms.IntegerField(
        label=gettext_lazy("Applicant id"), required=False, help_text=gettext_lazy("Or an applicant without a card.")
    )
    reason = forms.ModelChoiceField(label=gettext_lazy("Reason"), queryset=BlockReason.objects.filter(is_active=True))
    note = forms.CharField(label=gettext_lazy("What was found (for staff)"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("card_number")) == bool(data.get("applicant_id")):
            raise forms.ValidationError(_("Give a card number or an applicant id, not both."))
        return data


@admin.register(Block)
class BlockAdmin(ServiceAddMixin, admin.ModelAdmin[Block]):
    list_display = ("__str__", "reason", "status", "masked_card", "placed_at", "placed_by", "lifted_at")
    list_filter = ("status", "reason")
    list_select_related = ("reason", "card", "placed_by")
    show_full_result_count = False
    fields = (
        "applicant",
        "masked_card",
        "reason",
        "note",
        "card_status_before",
        "status",
        "placed_by",
        "placed_at",
        "lifted_at",
    )
    readonly_fields = fields
    raw_id_fields = ("applicant",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a block is lifted only by an upheld appeal

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("card"))
    def masked_card(self, obj: Block) -> str:
        return mask_identifier(obj.card.number) if obj.card else "—"

    add_title = gettext_lazy("Block a participant or applicant")
    add_template = "admin/applicants/block/place.html"

    def add_form(self, request: HttpRequest) -> BlockForm:
        return BlockForm(request.POST or None)

    def add_perform(self, request: HttpRequest, form: BlockForm) -> HttpResponse | None:
        data = form.cleaned_data
        if data.get("card_number"):
            card = Card.objects.filter(number=data["card_number"].strip()).select_related("applicant__user").first()
            applicant = card.applicant if card else None
        else:
            applicant = Applicant.objects.select_related("user").filter(pk=data["applicant_id"]).first()
        if applicant is None:
            form.add_error(None, _("No such participant or applicant."))
            return None
        block = block_place(
            applicant=applicant, reason=data["reason"], note=data["note"], actor=Actor.for_request(request)
        )
        self.message_user(request, _("%(block)s placed; the person is told.") % {"block": block}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:applicants_block_change", args=[block.pk]))


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Overdue")), ("no", gettext_lazy("Within the target time"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
        if self.value() == "yes":
            return queryset.filter(status=AppealStatus.PENDING, decide_by__lt=timezone.now())
        if self.value() == "no":
            return queryset.exclude(status=AppealStatus.PENDING, decide_by__lt=timezone.now())
        return queryset


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (the person reads it)"), widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    list_display = ("__str__", "block_reason", "status", "submitted_at", "decide_by", "overdue", "decided_by")
    list_filter = ("status", ("block__reason", admin.RelatedOnlyFieldListFilter), OverdueFilter)
    show_full_result_count = False
    actions = ("uphold", "reject")
    fields = (
        "block",
        "block_reason",
        "status",
        "overdue",
        "statement",
        "evidence",
        "submitted_at",
        "decide_by",
        "decided_by",
        "decided_at",
        "decision_reason",
        "reinstated_amount",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appeal]:
        return appeal_queue()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the person appeals from the dashboard

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("applicants.decide_appeal")

    @admin.display(description=gettext_lazy("reason"), ordering="block__reason__position")
    def block_reason(self, obj: Appeal) -> str:
        return obj.block.reason.label

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj: Appeal) -> bool:
        return obj.is_overdue

    @admin.display(description=gettext_lazy("evidence"))
    def evidence(self, obj: Appeal) -> str:
        if obj.evidence_deleted_at is not None:
            return _("Deleted after the retention period.")
        labels = {"ktp_photo": _("KTP"), "kk_photo": _("KK"), "selfie": _("Selfie")}
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse(
                        "admin:applicants_appeal_evidence",
                        args=[field, private_file_token(kind=f"appeal-{field}", pk=obj.pk)],
                    ),
                    labels[field],
                )
                for field in EVIDENCE
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "evidence/<str:field>/<str:token>/",
                self.admin_site.admin_view(self.evidence_view),
                name="applicants_appeal_evidence",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request: HttpRequest, field: str, token: str) -> FileResponse:
        if field not in EVIDENCE:
            raise Http404
        appeal = get_object_or_404(Appeal, pk=private_file_pk(kind=f"appeal-{field}", token=token))
        if not self.has_view_permission(request, appeal):
            raise PermissionDenied
        photo = getattr(appeal, field)
        if not photo or appeal.evidence_deleted_at is not None:
            raise Http404
        return private_image_response(photo)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Appeal], *, upheld: bool) -> HttpResponse | None:
        return decide_each(
            self,
            request,
            queryset,
            title=_("Uphold the appeals (lift the blocks)") if upheld else _("Reject the appeals (the blocks stay)"),
            form_class=DecisionForm,
            decide=lambda appeal, reason, actor: appeal_decide(
                appeal=appeal, upheld=upheld, reason=reason, actor=actor
            ),
            then=lambda appeal, _result: self.message_user(
                request, _("%(appeal)s decided.") % {"appeal": appeal}, messages.SUCCESS
            ),
        )

    @admin.action(description=gettext_lazy("Uphold (lift the block, reinstate), with a reason"), permissions=["decide"])
    def uphold(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> HttpResponse | None:
        return self._decide(request, queryset, upheld=True)

    @admin.action(description=gettext_lazy("Reject (the block stays), with a reason"), permissions=["decide"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> HttpResponse | None:
        return self._decide(request, queryset, upheld=False)
