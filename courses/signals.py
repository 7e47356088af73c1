"""Events of the courses layer that higher layers react to (dependencies point partners ->
courses, so courses cannot call them). Sent inside the transaction that made the change, so a
receiver's writes (a webhook outbox row) commit or roll back with it."""

from django.dispatch import Signal

# sender=Course, course=<Course>, status="approved"|"rejected", reasons=str
course_decided = Signal()

# sender=RedeemCode, redeem_code=<RedeemCode>: the institution committed the code (training started)
redeem_code_used = Signal()
