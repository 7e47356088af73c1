"""factory_boy factories shared by every test folder."""

from typing import Any

import factory
from django.contrib.auth.models import Group

from partners.models import Partner, PartnerStatus
from prakerja.accounts.models import User

DEFAULT_PASSWORD = "Kata-Sandi-Uji-2026"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    full_name = factory.Faker("name", locale="id_ID")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", DEFAULT_PASSWORD)
        email = kwargs.pop("email")
        return model_class.objects.create_user(email, password, **kwargs)


class StaffUserFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def group(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))


class PartnerFactory(factory.django.DjangoModelFactory[Partner]):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Platform {n}")
    slug = factory.Sequence(lambda n: f"platform-{n}")
    legal_name = factory.LazyAttribute(lambda o: f"PT {o.name}")
    status = PartnerStatus.ACTIVE
