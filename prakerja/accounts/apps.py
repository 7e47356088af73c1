from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "prakerja.accounts"
    label = "accounts"
    verbose_name = _("Accounts and staff roles")

    def ready(self) -> None:
        from prakerja.accounts.roles import roles_sync_after_migrate

        # Permissions of models added by later migrations exist only after post_migrate,
        # so the staff groups are given them there, every time migrations run.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="accounts.roles_sync")

        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from prakerja.accounts import security

        user_logged_in.connect(security.on_logged_in, dispatch_uid="accounts.staff_login")
        user_logged_out.connect(security.on_logged_out, dispatch_uid="accounts.staff_logout")
        user_login_failed.connect(security.on_login_failed, dispatch_uid="accounts.staff_login_failed")
        user_locked_out.connect(security.on_locked_out, dispatch_uid="accounts.staff_locked_out")


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with a site that also requires the staff second factor (named in
    INSTALLED_APPS; not this module's default, which stays AccountsConfig)."""

    default = False

    default_site = "prakerja.accounts.two_factor.StaffAdminSite"
