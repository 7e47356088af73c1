"""Scheme deadlines: the last day of each programme step for a card, and the refusal after it.

A card is held to the `SchemeDeadline` of its scheme and the year it was issued (Jakarta
time). A card without such a row has no deadline beyond its first-purchase one. The purchase,
completion and review services call `deadline_check` as a small separate step, so the rule
lives here once."""

import datetime as dt
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from applicants.models import Card, SchemeDeadline
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.errors import DomainError


class DeadlineStep(StrEnum):
    PURCHASE = "purchase"
    BALANCE = "balance"
    COMPLETION = "completion"
    REVIEW = "review"


_FIELDS = {
    DeadlineStep.PURCHASE: "last_purchase_on",
    DeadlineStep.BALANCE: "balance_until",
    DeadlineStep.COMPLETION: "last_completion_on",
    DeadlineStep.REVIEW: "last_review_on",
}


class DeadlinePassed(DomainError):
    """A step refused after its scheme deadline; `code` names the step (the partner API's
    `purchase_deadline_passed`, `completion_deadline_passed`), `deadline` is the last day."""

    status = 409

    def __init__(self, step: DeadlineStep, deadline: dt.date) -> None:
        day = formats.date_format(deadline, "DATE_FORMAT")
        messages = {
            DeadlineStep.PURCHASE: _("The last day to buy a course this programme year was %(day)s."),
            DeadlineStep.BALANCE: _("The training balance could be used until %(day)s."),
            DeadlineStep.COMPLETION: _("The last day to complete the training this programme year was %(day)s."),
            DeadlineStep.REVIEW: _("The last day to review the course this programme year was %(day)s."),
        }
        code = "purchase_deadline_passed" if step == DeadlineStep.BALANCE else f"{step}_deadline_passed"
        super().__init__(messages[step] % {"day": day}, code=code)
        self.step = step
        self.deadline = deadline


def card_programme_year(card: Card) -> int:
    return timezone.localtime(card.issued_at).year


def card_deadlines(card: Card) -> SchemeDeadline | None:
    return SchemeDeadline.objects.filter(scheme_id=card.scheme_id, year=card_programme_year(card)).first()


def deadline_check(
    *, card: Card, step: DeadlineStep, also: tuple[DeadlineStep, ...] = (), on: dt.date | dt.datetime | None = None
) -> None:
    """Refuse `step` (and the steps in `also`, read in the same query) for this card when `on`
    (default today; a time is read in Jakarta) is after the step's last day."""
    if on is None:
        day = timezone.localdate()
    elif isinstance(on, dt.datetime):
        day = timezone.localtime(on).date()
    else:
        day = on
    deadlines = card_deadlines(card)
    if deadlines is None:
        return
    for each in (step, *also):
        last: dt.date = getattr(deadlines, _FIELDS[each])
        if day > last:
            raise DeadlinePassed(each, last)


class DeadlineError(DomainError):
    status = 422


@transaction.atomic
def scheme_deadline_save(*, deadline: SchemeDeadline, changed: dict[str, Any], actor: Actor) -> SchemeDeadline:
    """Save a year's deadlines edited by PMO staff, audited with what changed."""
    if not (
        deadline.last_purchase_on <= deadline.last_completion_on <= deadline.last_review_on
        and deadline.last_purchase_on <= deadline.balance_until
    ):
        raise DeadlineError(
            _(
                "The last day to buy must come before the last day to complete, which must come before "
                "the last day to review; the balance must be usable until the last day to buy."
            )
        )
    created = deadline.pk is None
    if not created and not changed:
        return deadline
    deadline.save()
    audit_record(
        actor=actor,
        action="scheme_deadline.created" if created else "scheme_deadline.changed",
        target=deadline,
        payload={
            "scheme": deadline.scheme_id,
            "year": deadline.year,
            "changed": {k: str(v) for k, v in changed.items()},
        },
    )
    return deadline


def deadlines_balance_passed(*, today: dt.date | None = None) -> list[SchemeDeadline]:
    """The years whose last day to use the balance is over: their balances go to the treasury."""
    today = today or timezone.localdate()
    return list(SchemeDeadline.objects.filter(balance_until__lt=today).order_by("year", "scheme_id"))
