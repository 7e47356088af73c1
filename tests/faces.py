"""Photographs of faces for the identity tests, from scikit-image's bundled samples (nothing is
downloaded): `skimage.data.astronaut()` (Eileen Collins, NASA portrait, public domain) is the
one sharp frontal face; `skimage.data.lfw_subset()` holds 100 faces of other people from the
Labeled Faces in the Wild set at 25 x 25 pixels, enough for dlib to find and describe once
scaled up, too soft to pass a selfie's quality checks (they serve as registry photos and
descriptors of other people). Closed eyes are painted over the astronaut's eyes where the
landmarks put them, so a burst can blink.

A real second person, sharp: the test photographs shipped in the source distribution of
`face_recognition` 1.3.0 on PyPI (Adam Geitgey, MIT licence; its `tests/test_images/`), which
`make faces-data` downloads with pip at install time (pinned version and SHA-256) and unpacks
into var/vendor/faces/ (never committed; nothing is downloaded when the tests run):
`obama.jpg` and `biden.jpg`, Barack Obama's and Joe Biden's official portraits (works of the US
government, public domain), and `obama2.jpg`, `obama3.jpg`, two other photographs of Barack
Obama. `portrait()` and `portrait_burst()` frame them as a phone's front camera would."""

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps
from skimage import data

from prakerja.identity.faces import _Models

# The astronaut's head and shoulders, as a phone's front camera frames a selfie.
SELFIE_BOX = (90, 0, 390, 300)


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    output = io.BytesIO()
    image.convert("RGB").save(output, format="JPEG", quality=quality)
    return output.getvalue()


@lru_cache(maxsize=1)
def _astronaut() -> Image.Image:
    return Image.fromarray(data.astronaut())


def selfie_image(*, eyes: str = "open", size: int = 480, shift: int = 0) -> Image.Image:
    box = (SELFIE_BOX[0] + shift, SELFIE_BOX[1], SELFIE_BOX[2] + shift, SELFIE_BOX[3])
    picture = _astronaut().crop(box).resize((size, size), Image.Resampling.BICUBIC)
    if eyes == "closed":
        picture = _close_eyes(picture)
    return picture


def _close_eyes(picture: Image.Image) -> Image.Image:
    detector, predictor, _recogniser = _Models.get()
    pixels = np.asarray(picture)
    face = detector(pixels, 0)[0]
    shape = predictor(pixels, face)
    points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=float)
    closed = picture.copy()
    draw = ImageDraw.Draw(closed)
    for eye in (points[36:42], points[42:48]):
        cx, cy = eye.mean(axis=0)
        width = np.ptp(eye[:, 0])
        # The eyelid: the skin just below the eye, drawn over it, with the lashes' line.
        skin = tuple(int(c) for c in pixels[int(cy + width * 0.7), int(cx)])
        draw.ellipse([cx - width * 0.75, cy - width * 0.45, cx + width * 0.75, cy + width * 0.45], fill=skin)
        draw.line([eye[0][0], cy + 2, eye[3][0], cy + 2], fill=(70, 45, 40), width=max(2, int(width / 15)))
    return closed.filter(ImageFilter.GaussianBlur(0.6))


@lru_cache(maxsize=8)
def selfie(*, eyes: str = "open", size: int = 480) -> bytes:
    return _jpeg(selfie_image(eyes=eyes, size=size))


def dark_selfie() -> bytes:
    return _jpeg(ImageEnhance.Brightness(selfie_image()).enhance(0.25))


def blurred_selfie() -> bytes:
    return _jpeg(selfie_image().filter(ImageFilter.GaussianBlur(4)))


def no_face_photo() -> bytes:
    return _jpeg(Image.fromarray(data.coffee()))


@lru_cache(maxsize=1)
def registry_photo() -> bytes:
    """The same person as the registry would hold her: another framing, smaller, softer."""
    picture = _astronaut().crop((60, 0, 420, 360)).resize((300, 300), Image.Resampling.BILINEAR)
    return _jpeg(ImageEnhance.Color(picture).enhance(0.7), quality=70)


def other_person_photo(index: int = 0) -> bytes:
    """Somebody else, from LFW (scaled up from 25 px: a soft registry-like photo)."""
    faces = data.lfw_subset()[:100]
    grey = (faces[index % 100] * 255).astype(np.uint8)
    return _jpeg(Image.fromarray(grey).resize((250, 250), Image.Resampling.BICUBIC).convert("RGB"))


@lru_cache(maxsize=4)
def _burst(blink: bool, frames: int) -> tuple[bytes, ...]:
    closed = range(frames // 2 - 1, frames // 2 + 1) if blink else range(0)
    return tuple(
        _jpeg(selfie_image(eyes="closed" if i in closed else "open", shift=i % 3), quality=85) for i in range(frames)
    )


def burst(*, blink: bool = True, frames: int = 8) -> list[bytes]:
    """A short burst as the browser takes it (about 8 frames in 1.5 s); with `blink`, the
    middle frames have the eyes closed. Each frame moves by a pixel, as a hand-held phone does."""
    return list(_burst(blink, frames))


def write_y4m(path: str, *, blink: bool = True, fps: int = 10, size: int = 480) -> str:
    """A video file for Chromium's fake camera (`--use-file-for-fake-video-capture`), which plays
    it in a loop: 1.2 s of the astronaut looking at the camera, her eyes closed for 0.3 s of it
    (frames 7-9) when `blink`. Y4M, 4:2:0 (C420jpeg), written with numpy (BT.601 full range)."""
    loop = 12
    closed = range(7, 10) if blink else range(0)
    pictures = {
        eyes: np.asarray(selfie_image(eyes=eyes, size=size).convert("RGB"), dtype=np.float32)
        for eyes in ("open", "closed")
    }
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for n in range(loop):
            rgb = pictures["closed" if n in closed else "open"]
            r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
            y = 0.299 * r + 0.587 * g + 0.114 * b
            u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
            v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b

            def half(plane: np.ndarray) -> np.ndarray:
                return plane.reshape(size // 2, 2, size // 2, 2).mean(axis=(1, 3))

            out.write(b"FRAME\n")
            for plane in (y, half(u), half(v)):
                out.write(np.clip(np.rint(plane), 0, 255).astype(np.uint8).tobytes())
    return path


VENDOR_FACES = Path(__file__).resolve().parent.parent / "var" / "vendor" / "faces"
PORTRAITS = ("obama", "obama2", "obama3", "biden")


@lru_cache(maxsize=4)
def _portrait(name: str) -> Image.Image:
    path = VENDOR_FACES / f"{name}.jpg"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: `make faces-data` unpacks it (face_recognition 1.3.0's sdist)")
    with Image.open(path) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


@lru_cache(maxsize=4)
def _head_box(name: str) -> tuple[int, int, int, int]:
    """Head and shoulders around the face dlib finds: a square 2.4 face widths across."""
    picture = _portrait(name)
    detector, _predictor, _recogniser = _Models.get()
    found = detector(np.asarray(picture), 0)
    assert found, f"no face in {name}.jpg"
    face = max(found, key=lambda r: r.area())
    cx, cy = (face.left() + face.right()) / 2, (face.top() + face.bottom()) / 2
    half = min(face.width() * 1.2, cx, cy, picture.width - cx, picture.height - cy)
    return int(cx - half), int(cy - half), int(cx + half), int(cy + half)


def portrait_image(name: str, *, size: int = 480, shift: int = 0) -> Image.Image:
    left, top, right, bottom = _head_box(name)
    step = max(1, (right - left) // size) * shift
    return _portrait(name).crop((left + step, top, right + step, bottom)).resize((size, size))


@lru_cache(maxsize=8)
def portrait(name: str, *, size: int = 480) -> bytes:
    """One of the vendored photographs (PORTRAITS) framed as a selfie, JPEG."""
    return _jpeg(portrait_image(name, size=size))


@lru_cache(maxsize=4)
def _portrait_burst(name: str, frames: int) -> tuple[bytes, ...]:
    return tuple(_jpeg(portrait_image(name, shift=i % 3), quality=85) for i in range(frames))


def portrait_burst(name: str, *, frames: int = 8) -> list[bytes]:
    """A burst of that person as the camera page sends it (each frame moved by a pixel). It does
    not blink: Obama half-closes his eyes in these photographs (eye ratio 0.22, under the open
    eye's 0.24), so painted eyelids make no blink of them; tests that need a blink use `burst()`."""
    return list(_portrait_burst(name, frames))
