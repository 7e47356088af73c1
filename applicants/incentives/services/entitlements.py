"""Entitlements, instalments and surveys.

The layers above report the facts they own: a course completed (partners' purchase) and
reviewed (courses' review). When the first completed course is also reviewed and a payout
account is in use, the scheme's post-training instalments are scheduled (2020: four monthly
Rp600,000; from 2023: one). Each instalment is a row unique per (card, kind, number); when it
falls due the money moves in the ledger from the programme fund to the participant's incentive
payable (`incentive-due:<id>`), set-based, ready for a disbursement run.
"""

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.holds.selectors import applicant_held_by_case, not_held_by_case_sql
from applicants.models import (
    Card,
    Entitlement,
    Instalment,
    InstalmentKind,
    InstalmentStatus,
    Payout,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutStatus,
    Scheme,
    Survey,
    SurveyResponse,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import BulkPosting, Line, account_get_or_create, postings_create_bulk

DUE_CHUNK = 100_000


class SurveyError(ApplicantError):
    pass


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _entitlement(card_id: int) -> Entitlement:
    Entitlement.objects.get_or_create(card_id=card_id)
    return Entitlement.objects.select_for_update().get(card_id=card_id)


@transaction.atomic
def entitlement_course_completed(*, card_id: int, course_id: int, purchase_ref: str, completed_at: dt.datetime) -> None:
    """Only the first course completed counts for the incentive."""
    entitlement = _entitlement(card_id)
    if entitlement.first_course_id is not None:
        return
    entitlement.first_course_id = course_id
    entitlement.first_purchase_ref = purchase_ref
    entitlement.completed_at = completed_at
    entitlement.save(update_fields=["first_course_id", "first_purchase_ref", "completed_at"])
    entitlement_schedule_if_ready(card_id=card_id)


@transaction.atomic
def entitlement_course_reviewed(*, card_id: int, course_id: int, reviewed_at: dt.datetime) -> None:
    entitlement = _entitlement(card_id)
    if entitlement.first_course_id != course_id or entitlement.reviewed_at is not None:
        return
    entitlement.reviewed_at = reviewed_at
    entitlement.save(update_fields=["reviewed_at"])
    entitlement_schedule_if_ready(card_id=card_id)


@transaction.atomic
def entitlement_schedule_if_ready(*, card_id: int) -> list[Instalment]:
    """Schedule the post-training instalments once: first course completed and reviewed, and a
    payout account in use. The first falls due today, the rest a month apart."""
    entitlement = Entitlement.objects.select_for_update().filter(card_id=card_id).first()
    if entitlement is None or entitlement.scheduled_at or not (entitlement.completed_at and entitlement.reviewed_at):
        return []
    card = Card.objects.select_related("applicant").get(pk=card_id)
    if applicant_held_by_case(card.applicant_id):
        return []  # a clawback case or a block: scheduled when it is lifted (the case calls this again)
    if not PayoutAccount.objects.filter(applicant_id=card.applicant_id, status=PayoutAccountStatus.ACTIVE).exists():
        return []
    scheme = Scheme.objects.get(pk=card.scheme_id)
    account = account_get_or_create(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_ref=str(card.pk))
    today = timezone.localdate()
    instalments = Instalment.objects.bulk_create(
        [
            Instalment(
                card=card,
                kind=InstalmentKind.POST_TRAINING,
                number=n + 1,
                amount=scheme.incentive_amount,
                due_on=_add_months(today, n),
            )
            for n in range(scheme.incentive_count)
        ]
    )
    entitlement.scheduled_at = timezone.now()
    entitlement.account_id = account.pk
    entitlement.save(update_fields=["scheduled_at", "account_id"])
    audit_record(
        actor=Actor.system("incentives"),
        action="incentive.scheduled",
        target=card,
        payload={"instalments": len(instalments), "amount": scheme.incentive_amount},
    )
    instalments_make_due(today=today, card_id=card_id)
    return instalments


_DUE_BATCH = """
    SELECT i.id, i.kind, i.amount, e.account_id
    FROM applicants_instalment AS i
    JOIN applicants_entitlement AS e ON e.card_id = i.card_id
    JOIN applicants_card AS c ON c.id = i.card_id
    WHERE i.status = 'scheduled' AND i.due_on <= %s AND i.id > %s {card}
      AND {not_held_by_case}
    ORDER BY i.id
    LIMIT %s
""".replace("{not_held_by_case}", not_held_by_case_sql("c.applicant_id"))


def instalments_make_due(*, today: dt.date | None = None, card_id: int | None = None, chunk: int = DUE_CHUNK) -> int:
    """Every scheduled instalment due by `today`: fund -> participant incentive payable, one
    posting each, written in bulk, in committed chunks (a crash leaves only whole chunks, and
    the postings' keys make a re-run write only what is missing)."""
    today = today or timezone.localdate()
    funds = {
        InstalmentKind.POST_TRAINING: account_get_or_create(kind=AccountKind.FUND_INCENTIVE).pk,
        InstalmentKind.SURVEY: account_get_or_create(kind=AccountKind.FUND_SURVEY).pk,
    }
    made, after = 0, 0
    card_filter = "AND i.card_id = %s" if card_id is not None else ""
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            params: list[Any] = [today, after] + ([card_id] if card_id is not None else []) + [chunk]
            cursor.execute(_DUE_BATCH.format(card=card_filter), params)
            rows = cursor.fetchall()
            if not rows:
                return made
            postings_create_bulk(
                kind="incentive.due",
                postings=(
                    BulkPosting(
                        idempotency_key=f"incentive-due:{pk}",
                        lines=(Line(account_id=funds[kind], amount=-amount), Line(account_id=account, amount=amount)),
                    )
                    for pk, kind, amount, account in rows
                ),
            )
            cursor.execute(
                # A join with unnest, not "id = ANY(array)": with a big array the planner may
                # scan the table and test every row against the whole array.
                "UPDATE applicants_instalment AS i SET status = 'payable', payable_at = now() "
                "FROM unnest(%s::bigint[]) AS u(id) WHERE i.id = u.id AND i.status = 'scheduled'",
                [[row[0] for row in rows]],
            )
            made += cursor.rowcount
            after = rows[-1][0]


# -- surveys ---------------------------------------------------------------------------


def survey_next(*, card: Card) -> Survey | None:
    """The survey this participant may fill in now: after the first incentive is paid, in order;
    none while a clawback case or a block holds them (no survey incentive)."""
    if applicant_held_by_case(card.applicant_id):
        return None
    first_paid = Instalment.objects.filter(
        card=card, kind=InstalmentKind.POST_TRAINING, number=1, status=InstalmentStatus.PAID
    ).exists()
    if not first_paid:
        return None
    done = set(SurveyResponse.objects.filter(card=card).values_list("survey__number", flat=True))
    return Survey.objects.exclude(number__in=done).order_by("number").prefetch_related("questions").first()


@transaction.atomic
def survey_submit(*, card: Card, survey: Survey, answers: Mapping[str, str]) -> SurveyResponse:
    """Record the answers; a paid survey (number within the scheme's count) makes its
    incentive due at once."""
    expected = survey_next(card=card)
    if expected is None or expected.pk != survey.pk:
        raise SurveyError(_("This survey is not open for you."))
    questions = list(survey.questions.all())
    clean: dict[str, str] = {}
    for question in questions:
        answer = (answers.get(str(question.pk)) or "").strip()
        if not answer:
            raise SurveyError(_("Answer every question."))
        if question.choice_list and answer not in question.choice_list:
            raise SurveyError(_("Choose one of the answers given."))
        clean[str(question.pk)] = answer[:2000]
    response = SurveyResponse.objects.create(survey=survey, card=card, answers=clean)
    scheme = Scheme.objects.get(pk=card.scheme_id)
    if survey.number <= scheme.survey_count:
        Instalment.objects.create(
            card=card,
            kind=InstalmentKind.SURVEY,
            number=survey.number,
            amount=scheme.survey_amount,
            due_on=timezone.localdate(),
        )
        instalments_make_due(card_id=card.pk)
    audit_record(actor=Actor.for_user(card.applicant.user), action="survey.submitted", target=response)
    return response


# -- the programme's deadline ----------------------------------------------------------


def incentives_return_unpaid(*, today: dt.date | None = None) -> int:
    """After a scheme's incentive deadline, what was never paid goes back: payable money to
    the treasury (`incentive-return:<id>`), scheduled instalments are closed unpaid. An
    instalment with a live transfer waits for its result."""
    today = today or timezone.localdate()
    treasury = account_get_or_create(kind=AccountKind.TREASURY).pk
    live = Payout.objects.filter(status__in=[PayoutStatus.CREATED, PayoutStatus.PENDING, PayoutStatus.UNKNOWN]).values(
        "instalment_id"
    )
    schemes = Scheme.objects.filter(incentive_deadline__lt=today).values("pk")
    due = (
        Instalment.objects.filter(
            card__scheme_id__in=schemes, status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.PAYABLE]
        )
        .exclude(pk__in=live)
        .select_related("card__entitlement")
    )
    returned = 0
    with transaction.atomic():
        rows = list(due.select_for_update(of=("self",), skip_locked=True)[: settings.REVOCATION_CHUNK])
        payable = [i for i in rows if i.status == InstalmentStatus.PAYABLE]
        postings_create_bulk(
            kind="incentive.return",
            postings=[
                BulkPosting(
                    idempotency_key=f"incentive-return:{i.pk}",
                    lines=(
                        Line(account_id=i.card.entitlement.account_id or 0, amount=-i.amount),
                        Line(account_id=treasury, amount=i.amount),
                    ),
                )
                for i in payable
            ],
        )
        returned = Instalment.objects.filter(pk__in=[i.pk for i in rows]).update(status=InstalmentStatus.RETURNED)
        if rows:
            audit_record(
                actor=Actor.system("incentives"),
                action="incentive.returned_to_treasury",
                payload={"instalments": returned, "amount": sum(i.amount for i in payable), "on": str(today)},
            )
    return returned
