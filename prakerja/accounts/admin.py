from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from prakerja.accounts.models import User
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor


class UserCreateForm(UserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    # Who holds which powers is a superuser's decision: anyone else with change_user sees these
    # read-only (and they are left out of the form, so a posted value is ignored).
    superuser_only_fields = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        if obj is not None and obj.is_staff and obj.pk != request.user.pk:
            # Another staff member's sign-in identity is a credential too (the email receives resets).
            readonly += ("email",)
        return readonly + self.superuser_only_fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=Actor.for_request(request),
            action="user.changed" if change else "user.added",
            target=obj,
            payload={"fields": sorted(form.changed_data)},
            request=request,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nobody but a superuser edits a superuser's record.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Setting someone else's password is a superuser's job (a staff member's is a takeover;
        an applicant resets their own by email); one's own changes on the admin's password page."""
        target = self.get_object(request, id)
        if target is not None and target.pk != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)
