from django.contrib.auth.models import Group

from prakerja.accounts.models import User
from prakerja.accounts.roles import STAFF_GROUPS, roles_sync
from prakerja.core.seeding import SeedContext

DEMO_DOMAIN = "demo.prakerja.go.id"


def seed(context: SeedContext) -> None:
    roles_sync()
    admin, _ = User.objects.get_or_create(email=f"superadmin@{DEMO_DOMAIN}", defaults={"full_name": "Super Admin PMO"})
    admin.is_staff = admin.is_superuser = True
    admin.set_password(context.demo_password)
    admin.save()
    context.login(role="superuser", email=admin.email)
    for group_name in STAFF_GROUPS:
        email = f"{group_name.replace('_', '.')}@{DEMO_DOMAIN}"
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": f"Staf {group_name}"})
        user.is_staff = True
        user.is_superuser = False
        user.set_password(context.demo_password)
        user.save()
        user.groups.set([Group.objects.get(name=group_name)])
        context.login(role=group_name, email=email)
