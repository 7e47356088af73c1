"""Uploads for tests: real image bytes, as a phone camera would send them."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg(width: int = 800, height: int = 500, name: str = "ktp.jpg") -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (120, 140, 200)).save(output, format="JPEG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/jpeg")
