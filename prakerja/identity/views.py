"""The face check's status, polled every second by the checking page (owner only)."""

from uuid import UUID

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from prakerja.identity.services import face_job_of


@require_GET
@never_cache
def face_job_status(request: HttpRequest, job_id: UUID) -> JsonResponse:
    """{"state": "checking"} until the worker has written the result, then {"state": "done"}
    (the page reloads and shows it). Someone else's job, or none: 404."""
    if not request.user.is_authenticated:
        raise Http404
    job = face_job_of(job_id=str(job_id), user_id=request.user.pk)
    if job is None:
        raise Http404
    return JsonResponse({"state": "done" if job.finished else "checking"})
