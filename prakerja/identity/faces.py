"""Face detection, matching and liveness, computed here with dlib.

The models are dlib's own, shipped in the `face_recognition_models` package (loaded from its
files, no download): the HOG frontal face detector, the 68-point shape predictor and the
ResNet face recognition model, whose 128-number descriptors of one person lie closer than
about 0.6 apart (dlib's figure on the LFW benchmark: 99.38%). The `face_recognition` package
itself is not used: it would build dlib from source; `dlib-bin` is the prebuilt wheel.

- A photo is judged before it is matched: a face must be found, one only (a second clear face
  is refused), large enough, not too dark, not blurred. Each problem has advice for a retake.
- The similarity score is `100 * (1 - distance)`, so dlib's 0.6 is a score of 40;
  FACE_MATCH_MIN_SCORE (default 45, a little stricter) decides.
- Liveness from a burst of frames: a blink, found from the eye landmarks' eye aspect ratio
  (Soukupova and Cech, 2016): open, then closed, then open again, and the same face in the
  first and last frames. A photo held up to the camera never blinks; a replayed video can,
  which is the limit of this check (see docs/architecture.md).
"""

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

# A frame is analysed at this size at most (long side): dlib's detector finds faces of 80 px
# and more, and a selfie's face is far larger; a 640 px frame costs a quarter of a 1280 px one.
ANALYSIS_SIDE = 640
MIN_FACE_PX = 80
# Detector scores below this are the HOG detector's false positives (a badge, a pattern).
MIN_DETECTION_SCORE = 0.3
TOO_DARK_MEAN = 60  # mean grey level of the face, 0-255
BLUR_MIN_VARIANCE = 15.0  # variance of the Laplacian of the face scaled to 160 px
EYE_OPEN = 0.24
EYE_CLOSED = 0.19
SAME_FACE_MAX_DISTANCE = 0.5


class FaceProblem:
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    TOO_DARK = "too_dark"
    BLURRED = "blurred"
    TOO_SMALL = "too_small"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class FaceAnalysis:
    problem: str  # "" when a usable face was found
    descriptor: np.ndarray | None = None
    eye_ratio: float | None = None


class _Models:
    _lock = threading.Lock()
    _loaded: tuple[Any, Any, Any] | None = None

    @classmethod
    def get(cls) -> tuple[Any, Any, Any]:
        if cls._loaded is None:
            with cls._lock:
                if cls._loaded is None:
                    import dlib
                    import face_recognition_models as models

                    cls._loaded = (
                        dlib.get_frontal_face_detector(),
                        dlib.shape_predictor(models.pose_predictor_model_location()),
                        dlib.face_recognition_model_v1(models.face_recognition_model_location()),
                    )
        return cls._loaded


def decode(image: bytes) -> np.ndarray:
    """RGB pixels of a photo, turned upright (EXIF) and scaled to ANALYSIS_SIDE at most."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            if opened.width * opened.height > 40_000_000:
                raise ValueError("too many pixels")
            opened.draft("RGB", (ANALYSIS_SIDE, ANALYSIS_SIDE))
            picture = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError("not an image") from exc
    picture.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE))
    return np.asarray(picture)


def _laplacian_variance(grey: np.ndarray) -> float:
    g = grey.astype(np.float32)
    lap = -4 * g[1:-1, 1:-1] + g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    return float(lap.var())


def _eye_ratio(points: np.ndarray) -> float:
    def one(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2 * np.linalg.norm(eye[0] - eye[3])))

    return (one(points[36:42]) + one(points[42:48])) / 2


def analyse(image: bytes | np.ndarray, *, descriptor: bool = True, judge: bool = True) -> FaceAnalysis:
    """Find the face in a photo and judge it; its descriptor (128 numbers) and eye ratio.
    `judge=False` for a reference photo (the registry's, often small and soft): only a face
    is required."""
    try:
        pixels = decode(image) if isinstance(image, bytes) else image
    except ValueError:
        return FaceAnalysis(FaceProblem.UNREADABLE)
    detector, predictor, recogniser = _Models.get()
    # Small frames are searched at twice the size, so a face of 40 px is still found.
    upsample = 1 if max(pixels.shape[:2]) < 400 else 0
    rects, scores, _kinds = detector.run(pixels, upsample, 0)
    faces = [r for r, s in zip(rects, scores, strict=True) if s >= MIN_DETECTION_SCORE]
    if not faces:
        return FaceAnalysis(FaceProblem.NO_FACE)
    faces.sort(key=lambda r: r.area(), reverse=True)
    if len(faces) > 1 and faces[1].area() >= 0.4 * faces[0].area():
        return FaceAnalysis(FaceProblem.SEVERAL_FACES)
    face = faces[0]
    if judge and (problem := _judged(pixels, face, upsample=bool(upsample))):
        return FaceAnalysis(problem)
    shape = predictor(pixels, face)
    points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=np.float32)
    vector = np.array(recogniser.compute_face_descriptor(pixels, shape), dtype=np.float32) if descriptor else None
    return FaceAnalysis("", descriptor=vector, eye_ratio=_eye_ratio(points))


def _judged(pixels: np.ndarray, face: Any, *, upsample: bool) -> str:
    if face.width() < MIN_FACE_PX / (2 if upsample else 1):
        return FaceProblem.TOO_SMALL
    height, width = pixels.shape[:2]
    box = (max(face.left(), 0), max(face.top(), 0), min(face.right(), width), min(face.bottom(), height))
    grey = np.asarray(Image.fromarray(pixels).crop(box).convert("L").resize((160, 160)))
    if grey.mean() < TOO_DARK_MEAN:
        return FaceProblem.TOO_DARK
    if _laplacian_variance(grey) < BLUR_MIN_VARIANCE:
        return FaceProblem.BLURRED
    return ""


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """0-100; dlib's same-person limit (distance 0.6) is 40."""
    return round(max(0.0, 1.0 - distance(a, b)) * 100, 1)


def same_person(a: np.ndarray, b: np.ndarray) -> bool:
    return similarity(a, b) >= settings.FACE_MATCH_MIN_SCORE


def descriptor_bytes(vector: np.ndarray) -> bytes:
    return vector.astype("<f4").tobytes()


def descriptor_from(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")


@dataclass(frozen=True)
class LivenessCheck:
    live: bool
    reason: str = ""  # too_few_frames, no_face, no_blink, face_changed
    descriptor: np.ndarray | None = None  # of the best open-eyed frame, for matching
    frame: int | None = None  # which frame that was


MIN_FRAMES = 3


def liveness_check(frames: Sequence[bytes]) -> LivenessCheck:
    """A blink in the burst: an open-eyed frame, a closed-eyed one after it, an open one after
    that; and the open-eyed frames before and after are the same face."""
    if len(frames) < MIN_FRAMES:
        return LivenessCheck(False, "too_few_frames")
    ratios: list[float | None] = []
    for frame in frames:
        found = analyse(frame, descriptor=False)
        ratios.append(found.eye_ratio if not found.problem else None)
    seen = [(i, r) for i, r in enumerate(ratios) if r is not None]
    if len(seen) < MIN_FRAMES:
        return LivenessCheck(False, "no_face")
    first_open = next((i for i, r in seen if r >= EYE_OPEN), None)
    if first_open is None:
        return LivenessCheck(False, "no_blink")
    closed = next((i for i, r in seen if i > first_open and r <= EYE_CLOSED), None)
    if closed is None:
        return LivenessCheck(False, "no_blink")
    last_open = next((i for i, r in reversed(seen) if i > closed and r >= EYE_OPEN), None)
    if last_open is None:
        return LivenessCheck(False, "no_blink")
    before = analyse(frames[first_open]).descriptor
    after = analyse(frames[last_open]).descriptor
    if before is None or after is None or distance(before, after) > SAME_FACE_MAX_DISTANCE:
        return LivenessCheck(False, "face_changed")
    return LivenessCheck(True, descriptor=before, frame=first_open)
