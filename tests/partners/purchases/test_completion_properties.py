"""Property: no completion without all sessions and tasks. Over generated session plans and
institution reports, `purchase_complete` accepts exactly when every planned session was
attended, every required practice task assessed and the minimum duration passed; otherwise
it names exactly what is missing, the purchase stays paid, and the database refuses the same
completion written around the service."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import RedeemCode
from courses.services.redemption import practice_feedback_record, redeem_code_commit, redeem_code_issue
from partners.models import Purchase, PurchaseStatus
from partners.purchases.services.purchases import TrainingIncomplete, purchase_complete
from tests.factories import ListingFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@st.composite
def trainings(draw: st.DrawFn) -> dict[str, object]:
    planned = draw(st.integers(1, 5))
    sessions = list(range(1, planned + 1))
    tasks = draw(st.frozensets(st.sampled_from(sessions)))
    return {
        "planned": planned,
        "tasks": tasks,
        "attended": draw(st.frozensets(st.sampled_from(sessions))),
        # per required task: not reported, submitted, or submitted and assessed
        "task_states": {n: draw(st.sampled_from(["", "submitted", "assessed"])) for n in sorted(tasks)},
        "min_hours": draw(st.integers(15, 40)),
        "elapsed_hours": draw(st.integers(0, 60)),
    }


def report(code: RedeemCode, training: dict, started: dt.datetime) -> None:
    """The institution's reports, as the protocol's commit and feedback record them."""
    attended = sorted(training["attended"])
    for sequence in attended:
        redeem_code_commit(code=code.code, institution_id=code.institution_id, sequence=sequence)
    if not attended:  # started without any session attended
        redeem_code_commit(code=code.code, institution_id=code.institution_id)
    for sequence, state in training["task_states"].items():
        for status in {"": [], "submitted": ["submitted"], "assessed": ["submitted", "assessed"]}[state]:
            practice_feedback_record(
                code=code.code,
                institution_id=code.institution_id,
                scope="tpm",
                sequence=sequence,
                notes="Dinilai.",
                url_file="https://lp.example/t.pdf",
                status=status,
            )
    RedeemCode.objects.filter(pk=code.pk).update(used_at=started)
    Purchase.objects.filter(redeem_code=code).update(started_at=started)


def expected_problems(training: dict) -> set[tuple[str, int | None]]:
    missing: set[tuple[str, int | None]] = set()
    for sequence in range(1, training["planned"] + 1):
        if sequence not in training["attended"]:
            missing.add(("session_not_attended", sequence))
    for sequence, state in training["task_states"].items():
        if state == "":
            missing.add(("practice_task_not_submitted", sequence))
        elif state == "submitted":
            missing.add(("practice_task_not_assessed", sequence))
    if training["elapsed_hours"] < training["min_hours"]:
        missing.add(("minimum_duration", None))
    return missing


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(training=trainings())
def test_no_completion_without_all_sessions_and_tasks(participant_card, training) -> None:
    with transaction.atomic():
        # Given a paid purchase of a generated plan, and the institution's generated reports
        listing = ListingFactory.create(
            partner=PartnerFactory.create(),
            course__planned_sessions=training["planned"],
            course__tasks=sorted(training["tasks"]),
            course__total_hours=15,
            course__min_duration_hours=training["min_hours"],
        )
        code = redeem_code_issue(course=listing.course)
        purchase = Purchase.objects.create(
            partner=listing.partner,
            listing=listing,
            course=listing.course,
            card=participant_card,
            invoice_code=f"INV-P-{code.code}",
            price=listing.price,
            commission_rate_bp=0,
            commission_amount=0,
            otp_expires_at=timezone.now(),
            status=PurchaseStatus.PAID,
            redeem_code=code,
        )
        now = timezone.now()
        report(code, training, started=now - dt.timedelta(hours=training["elapsed_hours"]))
        missing = expected_problems(training)

        # When the platform reports the completion
        refused: TrainingIncomplete | None = None
        try:
            purchase_complete(
                purchase_id=str(purchase.pk),
                partner=listing.partner,
                certificate_number=f"S-{code.code}",
                certificate_url="https://p.example/s",
                completed_at=now,
            )
        except TrainingIncomplete as error:
            refused = error
        if refused is not None:
            # Then a refusal names exactly what is missing, and the purchase stays paid
            assert missing, refused.details
            assert {(p["kind"], p["session"]) for p in refused.details} == missing
            assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.PAID
            # and the database refuses the same completion written around the service
            with pytest.raises(IntegrityError), transaction.atomic():
                Purchase.objects.filter(pk=purchase.pk).update(
                    status=PurchaseStatus.COMPLETED, completed_at=now, certificate_number="X"
                )
        else:
            # Then it completed only with nothing missing
            assert not missing
            assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.COMPLETED
        transaction.set_rollback(True)
