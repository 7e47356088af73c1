"""The basic ability and motivation test: a timed attempt with a server-held deadline."""

import datetime as dt
import random

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError, StepNotReached
from applicants.models import Applicant, Question, Step, TestAttempt
from applicants.registration.models import TEST_DURATION_MINUTES

QUESTIONS_PER_ATTEMPT = 20
# Network delay between the browser's last click and the server: answers arriving this much
# after the deadline still count.
SUBMIT_GRACE = dt.timedelta(seconds=20)


def test_attempt_open(*, applicant: Applicant) -> TestAttempt:
    """The applicant's running attempt, or a new one with its own deadline."""
    if not applicant.has_reached(Step.BASIC_TEST):
        raise StepNotReached(_("Please complete your personal data first."))
    if applicant.basic_test_completed_at:
        raise ApplicantError(_("You have already taken the basic test."))
    now = timezone.now()
    running = TestAttempt.objects.filter(applicant=applicant, submitted_at__isnull=True).first()
    if running is not None:
        if running.deadline_at + SUBMIT_GRACE >= now:
            return running
        test_attempt_submit(attempt=running, answers={})
    ids = list(Question.objects.filter(is_active=True).values_list("id", flat=True))
    if not ids:
        raise ApplicantError(_("The test is not available right now. Please try again later."))
    chosen = random.sample(ids, min(QUESTIONS_PER_ATTEMPT, len(ids)))
    try:
        with transaction.atomic():
            return TestAttempt.objects.create(
                applicant=applicant,
                question_ids=chosen,
                deadline_at=now + dt.timedelta(minutes=TEST_DURATION_MINUTES),
                max_score=len(chosen),
            )
    except IntegrityError:
        # A second tab started the attempt at the same moment: use that one.
        return TestAttempt.objects.get(applicant=applicant, submitted_at__isnull=True)


@transaction.atomic
def test_attempt_submit(*, attempt: TestAttempt, answers: dict[str, int]) -> TestAttempt:
    locked = TestAttempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.submitted_at is not None:
        return locked
    now = timezone.now()
    locked.submitted_at = now
    if now > locked.deadline_at + SUBMIT_GRACE:
        # Time ran out: nothing sent after the deadline counts, the applicant may start again.
        locked.expired = True
        locked.score = 0
        locked.save(update_fields=["submitted_at", "expired", "score"])
        return locked
    correct = dict(Question.objects.filter(pk__in=locked.question_ids).values_list("pk", "correct_choice"))
    kept = {str(qid): answers[str(qid)] for qid in locked.question_ids if str(qid) in answers}
    locked.answers = kept
    locked.score = sum(1 for qid, choice in kept.items() if correct.get(int(qid)) == choice)
    locked.save(update_fields=["submitted_at", "answers", "score"])
    applicant = Applicant.objects.select_for_update().get(pk=locked.applicant_id)
    applicant.basic_test_completed_at = now
    applicant.basic_test_score = round(100 * locked.score / max(locked.max_score, 1))
    if applicant.step == Step.BASIC_TEST:
        applicant.step = Step.READY
    applicant.save(update_fields=["basic_test_completed_at", "basic_test_score", "step", "updated_at"])
    return locked
