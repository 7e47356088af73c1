"""Uploaded images are judged by their content, never their name or declared type, and
re-encoded so that nothing but pixels is kept (no scripts, no EXIF location)."""

import io

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MIN_SIDE = 200
MAX_PIXELS = 40_000_000


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
            if image.width * image.height > MAX_PIXELS:
                raise ImageRejected(_("The photo is too large."))
            if min(image.size) < MIN_SIDE:
                raise ImageRejected(_("The photo is too small to read. Take it closer, in good light."))
            output = io.BytesIO()
            image.convert("RGB").save(output, format="JPEG", quality=85)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_("This file is not a photo we can read. Upload a JPG or PNG photo.")) from exc
    return ContentFile(output.getvalue(), name="ktp.jpg")


def private_image_response(file: FieldFile) -> FileResponse:
    """A stored (re-encoded, always JPEG) private image, for the one request allowed to see it:
    never cached by browsers or proxies."""
    response = FileResponse(file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


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
