"""Reading blocks and appeals: what the blocked person is shown, and the verifiers' queue."""

from dataclasses import dataclass

from django.db.models import QuerySet

from applicants.models import Appeal, Applicant, Block, BlockStatus


@dataclass(frozen=True)
class BlockView:
    block: Block
    appeal: Appeal | None

    @property
    def may_appeal(self) -> bool:
        return self.appeal is None


def applicant_block(applicant: Applicant) -> BlockView | None:
    """The person's active block with its appeal, or the last block whose appeal was decided
    (so the decision stays visible); one query."""
    block = (
        Block.objects.filter(applicant=applicant)
        .select_related("reason", "appeal")
        .order_by("-status", "-placed_at")  # "active" sorts after "lifted": active first
        .first()
    )
    if block is None:
        return None
    appeal = getattr(block, "appeal", None)
    if block.status != BlockStatus.ACTIVE and appeal is None:
        return None
    return BlockView(block=block, appeal=appeal)


def appeal_queue() -> QuerySet[Appeal]:
    """Every appeal with what the queue shows, oldest deadline first."""
    return Appeal.objects.select_related("block__reason", "decided_by").order_by("status", "decide_by", "pk")
