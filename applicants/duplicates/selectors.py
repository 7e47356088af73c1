"""Reading the duplicate groups: a group's members for the verifier, an applicant's open groups."""

from applicants.duplicates.models import DuplicateGroup, DuplicateMember, GroupStatus


def group_members(group: DuplicateGroup) -> list[DuplicateMember]:
    return list(group.members.select_related("applicant").order_by("applicant_id"))


def applicant_open_groups(applicant_id: int) -> list[DuplicateGroup]:
    return list(
        DuplicateGroup.objects.filter(status=GroupStatus.OPEN, members__applicant_id=applicant_id).order_by("pk")
    )
