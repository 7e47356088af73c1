"""Photographs of faces for the identity tests, from scikit-image's bundled samples (nothing is
downloaded): `skimage.data.astronaut()` (Eileen Collins, NASA portrait, public domain) is the
one sharp frontal face; `skimage.data.lfw_subset()` holds 100 faces of other people from the
Labeled Faces in the Wild set at 25 x 25 pixels, enough for dlib to find and describe once
scaled up, too soft to pass a selfie's quality checks (they serve as registry photos and
descriptors of other people). Closed eyes are painted over the astronaut's eyes where the
landmarks put them, so a burst can blink. A head turn is a cylinder rotation of the picture
(`_turned`): every column is moved as it would move on a cylinder round the head turning about
its axis, so the nose travels across the face further than the jaw's sides, which is what the
landmarks' yaw measure (`faces.head_yaw`) reads; dlib still finds the face in it. Bursts and
the fake camera's video can follow a liveness challenge (`challenge_burst`, `write_y4m`).

A real second person, sharp: the test photographs shipped in the source distribution of
`face_recognition` 1.3.0 on PyPI (Adam Geitgey, MIT licence; its `tests/test_images/`), which
`make faces-data` downloads with pip at install time (pinned version and SHA-256) and unpacks
into var/vendor/faces/ (never committed; nothing is downloaded when the tests run):
`obama.jpg` and `biden.jpg`, Barack Obama's and Joe Biden's official portraits (works of the US
government, public domain), and `obama2.jpg`, `obama3.jpg`, two other photographs of Barack
Obama. `portrait()` and `portrait_burst()` frame them as a phone's front camera would."""

import io
import re
from collections.abc import Sequence
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


TURN_DEGREES = 30


def selfie_image(*, eyes: str = "open", size: int = 480, shift: int = 0, turn: str = "") -> Image.Image:
    """The astronaut's selfie; `turn` "left" or "right": her head turned to her own left or
    right by TURN_DEGREES (as the unmirrored front camera sees it: her left is the image's right)."""
    box = (SELFIE_BOX[0] + shift, SELFIE_BOX[1], SELFIE_BOX[2] + shift, SELFIE_BOX[3])
    picture = _astronaut().crop(box).resize((size, size), Image.Resampling.BICUBIC)
    if eyes == "closed":
        picture = _close_eyes(picture)
    if turn:
        picture = _turned(picture, TURN_DEGREES if turn == "left" else -TURN_DEGREES)
    return picture


def _landmarks(picture: Image.Image) -> np.ndarray:
    detector, predictor, _recogniser = _Models.get()
    pixels = np.asarray(picture)
    face = detector(pixels, 0)[0]
    shape = predictor(pixels, face)
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=float)


def _turned(picture: Image.Image, degrees: float) -> Image.Image:
    """The head turned by `degrees` (positive: to the person's left, the image's right) about a
    vertical axis through the middle of the jaw contour: the head is a cylinder a little wider
    than the jaw; an output column at `u` (-1..1 across the cylinder) shows the source column at
    the angle asin(u) - degrees (the far side's hidden part clamped to the edge); outside the
    cylinder the columns blend back to where they were."""
    points = _landmarks(picture)
    centre = (points[0, 0] + points[16, 0]) / 2
    radius = (points[16, 0] - points[0, 0]) / 2 * 1.15
    theta = np.radians(degrees)
    pixels = np.asarray(picture, dtype=np.float32)
    width = pixels.shape[1]
    u = (np.arange(width, dtype=np.float64) - centre) / radius
    inside = np.clip(np.arcsin(np.clip(u, -1, 1)) - theta, -np.pi / 2, np.pi / 2)
    source = centre + radius * np.sin(inside)
    # 1 < |u| < 1.5: from the cylinder's edge back to the column's own place.
    for side in (-1, 1):
        edge = centre + radius * np.sin(np.clip(side * np.pi / 2 - theta, -np.pi / 2, np.pi / 2))
        band = (side * u > 1) & (side * u < 1.5)
        share = (side * u[band] - 1) / 0.5
        source[band] = edge * (1 - share) + (centre + u[band] * radius) * share
        source[side * u >= 1.5] = np.arange(width)[side * u >= 1.5]
    source = np.clip(source, 0, width - 1)
    left = np.floor(source).astype(int)
    right = np.minimum(left + 1, width - 1)
    weight = (source - left)[None, :, None]
    out = pixels[:, left] * (1 - weight) + pixels[:, right] * weight
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


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
def selfie(*, eyes: str = "open", size: int = 480, turn: str = "") -> bytes:
    return _jpeg(selfie_image(eyes=eyes, size=size, turn=turn))


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


def other_person_selfie(index: int = 5) -> bytes:
    """Somebody else as a usable frame of a burst: an LFW face scaled to 480 px and sharpened
    (enough for the quality checks; index 5 has her eyes open)."""
    picture = Image.open(io.BytesIO(other_person_photo(index))).resize((480, 480), Image.Resampling.BICUBIC)
    return _jpeg(picture.filter(ImageFilter.UnsharpMask(3, 300, 0)))


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


# What each frame of a step shows, as a person reacting to the prompt does it: the page takes
# one frame facing the camera, 5 a step, 2 after the last step (selfie-camera.js).
STEP_POSES = {
    "left": ("straight", "left", "left", "left", "straight"),
    "right": ("straight", "right", "right", "right", "straight"),
    "blink": ("straight", "closed", "closed", "straight", "straight"),
}


def _pose_image(pose: str, *, size: int = 480, shift: int = 0) -> Image.Image:
    if pose == "closed":
        return selfie_image(eyes="closed", size=size, shift=shift)
    return selfie_image(size=size, shift=shift, turn="" if pose == "straight" else pose)


def challenge_poses(steps: Sequence[str]) -> list[str]:
    return ["straight", *[pose for step in steps for pose in STEP_POSES[step]], "straight", "straight"]


@lru_cache(maxsize=16)
def _challenge_burst(steps: tuple[str, ...], blink: bool) -> tuple[bytes, ...]:
    poses = [pose if blink or pose != "closed" else "straight" for pose in challenge_poses(steps)]
    return tuple(_jpeg(_pose_image(pose, shift=i % 3), quality=85) for i, pose in enumerate(poses))


def challenge_burst(steps: Sequence[str], *, blink: bool = True) -> list[bytes]:
    """The burst of a person following the challenge `steps` (18 frames, as the page takes
    them): facing the camera, then each step (a head turn held for 3 frames, or the eyes closed
    for 2), then facing the camera again; with `blink=False` the eyes never close. Each frame
    moves by a pixel."""
    return list(_challenge_burst(tuple(steps), blink))


# The fake camera's video for a challenge, in frames at 10 fps: the marker shown while she
# faces the camera before the steps (the test presses the button when it appears), then per
# step 1.2 s (a turn held 0.9 s; the eyes closed 0.6 s), then 6 s facing the camera, so that a
# burst stretched by a slow machine still ends before the loop starts again.
VIDEO_LEAD = 5
VIDEO_STEP = {
    "left": ["straight"] * 2 + ["left"] * 9 + ["straight"],
    "right": ["straight"] * 2 + ["right"] * 9 + ["straight"],
    "blink": ["straight"] * 3 + ["closed"] * 6 + ["straight"] * 3,
}
VIDEO_TAIL = 60
MARKER = 24  # px: the square at the top left, white during the lead-in, black otherwise


def write_y4m(path: str, *, blink: bool = True, steps: Sequence[str] = (), fps: int = 10, size: int = 480) -> str:
    """A video file for Chromium's fake camera (`--use-file-for-fake-video-capture`), which plays
    it in a loop. Without `steps`: 1.2 s of the astronaut looking at the camera, her eyes closed
    for 0.3 s of it (frames 7-9) when `blink` (a replayed video of her blinking). With `steps`:
    she follows that challenge (VIDEO_STEP), after a lead-in marked by a white square in the top
    left corner (MARKER) for the test to start the burst on. Y4M, 4:2:0 (C420jpeg), written with
    numpy (BT.601 full range)."""
    if steps:
        poses = ["straight"] * VIDEO_LEAD + [pose for step in steps for pose in VIDEO_STEP[step]]
        poses += ["straight"] * VIDEO_TAIL
    else:
        closed = range(7, 10) if blink else range(0)
        poses = ["closed" if n in closed else "straight" for n in range(12)]
    pictures = {pose: np.asarray(_pose_image(pose, size=size).convert("RGB"), dtype=np.float32) for pose in set(poses)}
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for n, pose in enumerate(poses):
            rgb = pictures[pose]
            if steps:
                rgb = rgb.copy()
                rgb[:MARKER, :MARKER] = 255.0 if n < VIDEO_LEAD else 0.0
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


def challenge_on_page(html: str) -> tuple[str, tuple[str, ...]]:
    """The challenge a camera page shows: its token (the form's hidden field) and its steps."""
    token = re.search(r'name="challenge" value="([^"]*)"', html)
    steps = re.search(r'data-steps="([^"]*)"', html)
    assert token is not None, "no challenge on the page"
    assert steps is not None, "no challenge on the page"
    return token.group(1), tuple(steps.group(1).split())


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
