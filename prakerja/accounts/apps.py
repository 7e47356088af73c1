from django.apps import AppConfig
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
