"""Uploaded images are judged by their content, never their name or declared type, and
re-encoded so that nothing but pixels is kept (no scripts, no EXIF location).

Decompression bombs (a 140 KB PNG that decodes to 6000x6000 pixels, ~250 MB and seconds of CPU
in a sync worker) are refused from the header's dimensions before any pixel is decoded: a
phone photo of a KTP needs at most MAX_PIXELS. The application caps what it keeps of an upload
(CappedUploadHandler: bytes past the limit are not stored, the form then says the photo is too
large and keeps everything else typed), and uploads are rate-limited per user and per address
(upload_rate_limited)."""

import io
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MIN_SIDE = 200
# A 16-megapixel phone camera (4608x3456) is the largest photo of a KTP that must be accepted;
# no side longer than a 50-megapixel sensor's.
MAX_PIXELS = 16_000_000
MAX_SIDE = 8_200
# What is kept: the long side scaled down to this, plenty to read every line of a KTP.
STORED_SIDE = 2_400


# A link to a private file (KTP photo, complaint photo, clawback evidence) works this long.
PRIVATE_FILE_LINK_MAX_AGE_S = 60 * 60


class ImageRejected(ValueError):
    pass


def image_clean(upload: UploadedFile) -> ContentFile[bytes]:
    if upload.size is None or upload.size > settings.UPLOAD_IMAGE_MAX_BYTES:
        limit = settings.UPLOAD_IMAGE_MAX_BYTES // (1024 * 1024)
        raise ImageRejected(_("The photo may be at most %(mb)s MB.") % {"mb": limit})
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in ALLOWED_FORMATS:
            raise ImageRejected(_("Upload a photo in JPG, PNG or WEBP format."))
        with Image.open(io.BytesIO(data)) as image:
            # Image.open reads only the header: nothing is decoded before these checks.
            if image.width * image.height > MAX_PIXELS or max(image.size) > MAX_SIDE:
                raise ImageRejected(_("The photo has too many pixels. Take it with the phone's normal camera setting."))
            if min(image.size) < MIN_SIDE:
                raise ImageRejected(_("The photo is too small to read. Take it closer, in good light."))
            # A JPEG is decoded straight at a reduced scale when it is larger than what is kept.
            image.draft("RGB", (STORED_SIDE, STORED_SIDE))
            picture = image.convert("RGB")
            picture.thumbnail((STORED_SIDE, STORED_SIDE))
            output = io.BytesIO()
            picture.save(output, format="JPEG", quality=85)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_("This file is not a photo we can read. Upload a JPG or PNG photo.")) from exc
    return ContentFile(output.getvalue(), name="ktp.jpg")


def private_image_response(file: FieldFile) -> FileResponse:
    """A stored (re-encoded, always JPEG) private image, for the one request allowed to see it:
    never cached by browsers or proxies."""
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


class _Oversize(UploadedFile):
    """Stands for a file whose bytes past the limit were not kept: only its size is true, so
    image_clean answers "at most N MB" and the rest of the form is kept."""

    def __init__(self, *, name: str, content_type: str, size: int) -> None:
        super().__init__(file=io.BytesIO(), name=name, content_type=content_type, size=size)


class CappedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS. A request body over UPLOAD_REQUEST_MAX_BYTES is not read
    at all; a file over UPLOAD_IMAGE_MAX_BYTES is read to the end but its bytes past the limit
    go nowhere (neither memory nor a temporary file). Staff are not capped: the registry lists
    they import run to millions of lines (the admin is behind staff login and second factor)."""

    def _capped(self) -> bool:
        user = getattr(self.request, "user", None)
        return not (user is not None and user.is_authenticated and user.is_staff)

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 (Django's name)
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        if content_length > settings.UPLOAD_REQUEST_MAX_BYTES and self._capped():
            # A SuspiciousOperation: Django answers 400 without reading the body.
            raise RequestDataTooBig(_("The upload is too large."))

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.limit = settings.UPLOAD_IMAGE_MAX_BYTES if self._capped() else None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.limit is None or self.received <= self.limit else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.limit is None or self.received <= self.limit:
            return None  # the next handler (memory or temporary file) holds it
        return _Oversize(name=self.file_name or "upload", content_type=self.content_type or "", size=self.received)


def upload_rate_limited(request: HttpRequest) -> bool:
    """Counts a request that carries a file, per user and per client address; True when either
    is over its rate (RATELIMIT_UPLOADS_USER, RATELIMIT_UPLOADS_IP)."""
    if not request.FILES:
        return False
    by_user = is_ratelimited(request, group="uploads", key="user", rate=settings.RATELIMIT_UPLOADS_USER, increment=True)
    by_ip = is_ratelimited(request, group="uploads", key="ip", rate=settings.RATELIMIT_UPLOADS_IP, increment=True)
    return bool(by_user or by_ip)


def upload_limited_message() -> str:
    return _("You have uploaded many photos in a short time. Wait an hour and try again; what you typed is kept.")


def private_file_token(*, kind: str, pk: int) -> str:
    """The part of a private file's URL that names it: the row's id, signed for that kind of
    file and stamped, so that links cannot be guessed by counting and stop working after
    PRIVATE_FILE_LINK_MAX_AGE_S. Who may open it is still checked when it is served."""
    return signing.dumps(pk, salt=f"private-file:{kind}", compress=False)


def private_file_pk(*, kind: str, token: str) -> int | None:
    """The row id a private_file_token names, or None when the token is forged, of another
    kind or expired."""
    try:
        pk = signing.loads(token, salt=f"private-file:{kind}", max_age=PRIVATE_FILE_LINK_MAX_AGE_S)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return pk if isinstance(pk, int) and not isinstance(pk, bool) else None
