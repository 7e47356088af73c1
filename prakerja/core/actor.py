"""Who acts: the one type every service that acts for someone takes (`*, actor: Actor`).

Views build it from the request (`Actor.for_request(request)`), jobs and commands name
themselves (`Actor.system("batch.partners_evaluate")`), the partner API and the integration
protocol name the platform or institution (`Actor.partner(slug)`, `Actor.institution(code)`).
The audit trail records it as it is (`prakerja.audit.services.audit_record`)."""

from dataclasses import dataclass

from django.http import HttpRequest

from prakerja.accounts.models import User
from prakerja.audit.models import ActorType


def user_audit_label(user: User) -> str:
    return user.email if user.is_staff else f"user #{user.pk}"


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who acted: a user, a partner or institution (by label), or a system job."""

    type: str
    label: str
    user: User | None = None

    @classmethod
    def for_user(cls, user: User) -> "Actor":
        """Staff are named by their address (they answer for what they did); applicants by
        their user id only, so the append-only trail holds nothing that names them and an
        account deletion leaves nobody identifiable in it."""
        return cls(type=ActorType.USER, label=user_audit_label(user), user=user)

    @classmethod
    def for_request(cls, request: HttpRequest) -> "Actor":
        """The signed-in person of a page or admin request (the views' login and permission
        checks have run; an anonymous request here is a programming error)."""
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            raise TypeError("Actor.for_request needs a signed-in user")
        return cls.for_user(user)

    @classmethod
    def system(cls, job: str) -> "Actor":
        return cls(type=ActorType.SYSTEM, label=job)

    @classmethod
    def partner(cls, label: str) -> "Actor":
        return cls(type=ActorType.PARTNER, label=label)

    @classmethod
    def institution(cls, label: str) -> "Actor":
        return cls(type=ActorType.INSTITUTION, label=label)

    @property
    def person(self) -> User:
        """The user behind a user actor, for the rows that name who did it (`decided_by`)."""
        if self.user is None:
            raise TypeError(f"{self.type} actor {self.label!r} is not a user")
        return self.user
