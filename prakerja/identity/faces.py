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
- Liveness from a burst of frames taken while the page shows a challenge the server chose
  (`prakerja.identity.challenges`): the head turned left and right in the order asked, found
  from the landmarks (`head_yaw`: the nose tip between the jaw contour's sides and the eyes'
  corners), and a blink at the moment asked, found from the eye landmarks' eye aspect ratio
  (Soukupova and Cech, 2016); and the same face at the start and the end. A photo never moves;
  a video replayed through a virtual camera follows no challenge it was not recorded for. A
  client that picks, from a rich recording, frames matching the challenge defeats any such
  frame-based check (see docs/architecture.md).
- A burst is read fast (`_read_burst`): the face is searched for at full size in the first
  frame, then every REDETECT_EVERY frames in the whole frame scaled to about DETECTION_SIDE,
  and in the other frames only in a small crop around the previous frame's face; every frame
  is still judged (size, light, sharpness), a frame where no face or a second face is found is
  not used, and only the two frames the same-face check compares get a descriptor.
"""

import io
import statistics
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
# The frames of a burst are searched for the face at this size (long side; a quarter to a half
# of the cost at 480-640 px), the landmarks read at full size; a frame where nothing is found
# at this size is searched again at full size (a small face: judged too small, as before).
DETECTION_SIDE = 320
# The width, at full size, a face of 40% of the first one's area has (0.63 of its width) must
# have at least this where it is searched for (the detector's 80 px, and a margin).
SECOND_FACE_PX = 0.63 * 85
REDETECT_EVERY = 4  # frames of a burst between two whole-frame searches (a second face)
# Between those, the face is searched for only around where it was in the frame before: that
# box grown by this share of its size on each side, scaled for the face to be this wide.
NEAR_MARGIN = 0.4
NEAR_FACE_PX = 90
MIN_FACE_PX = 80
# Detector scores below this are the HOG detector's false positives (a badge, a pattern).
MIN_DETECTION_SCORE = 0.3
TOO_DARK_MEAN = 60  # mean grey level of the face, 0-255
BLUR_MIN_VARIANCE = 15.0  # variance of the Laplacian of the face scaled to 160 px
EYE_OPEN = 0.24
EYE_CLOSED = 0.19
SAME_FACE_MAX_DISTANCE = 0.5
# Head turns, in `head_yaw` units relative to the burst's median (about 0.3 at 30 degrees):
# turned from this far, facing the camera again within YAW_STRAIGHT.
YAW_TURNED = 0.18
YAW_STRAIGHT = 0.09


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
    yaw: float | None = None  # head_yaw: 0 facing the camera, > 0 turned to the person's left


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


def head_yaw(points: np.ndarray) -> float:
    """How far the head is turned, from the 68 landmarks: where the nose tip (30) lies between
    the jaw contour's two sides at the temples (0 and 16) and between the eyes' outer corners
    (36 and 45), -1 to 1 each, averaged, after levelling the line of the eyes (a tilted head is
    not a turned one). 0 facing the camera; positive when the person turns to their own left
    (on the unmirrored front camera the nose moves towards the image's right); about 0.3 at 30
    degrees."""
    eyes = points[42:48].mean(axis=0) - points[36:42].mean(axis=0)
    angle = float(np.arctan2(eyes[1], eyes[0]))
    cos, sin = np.cos(-angle), np.sin(-angle)
    x = points[:, 0] * cos - points[:, 1] * sin  # x after the rotation that levels the eyes

    def place(a: float, b: float) -> float:
        return float(2 * (x[30] - a) / (b - a) - 1) if b != a else 0.0

    return (place(x[0], x[16]) + place(x[36], x[45])) / 2


def _points(shape: Any) -> np.ndarray:
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], dtype=np.float32)


def _rectangle(left: float, top: float, right: float, bottom: float) -> Any:
    import dlib

    return dlib.rectangle(round(left), round(top), round(right), round(bottom))


def _find(pixels: np.ndarray) -> tuple[str, Any, bool]:
    """The face of a photo at full size: (problem, its box, whether the photo was upsampled)."""
    detector = _Models.get()[0]
    # Small frames are searched at twice the size, so a face of 40 px is still found.
    upsample = 1 if max(pixels.shape[:2]) < 400 else 0
    rects, scores, _kinds = detector.run(pixels, upsample, 0)
    return (*_one_face(list(rects), list(scores)), bool(upsample))


def _one_face(rects: list[Any], scores: list[float]) -> tuple[str, Any]:
    faces = [r for r, s in zip(rects, scores, strict=True) if s >= MIN_DETECTION_SCORE]
    if not faces:
        return FaceProblem.NO_FACE, None
    faces.sort(key=lambda r: r.area(), reverse=True)
    if len(faces) > 1 and faces[1].area() >= 0.4 * faces[0].area():
        return FaceProblem.SEVERAL_FACES, None
    return "", faces[0]


def _find_fast(pixels: np.ndarray, face_width: float) -> tuple[str, Any, bool]:
    """As `_find`, on a copy scaled down (to DETECTION_SIDE, or less far when `face_width`, the
    face's width at full size in the frame before, needs it: a second face of 40% of its area
    must still be 80 px and more where it is searched, so that it is still refused); at full
    size when nothing is found there (a small face), so the answers are `_find`'s."""
    height, width = pixels.shape[:2]
    scale = max(DETECTION_SIDE / max(height, width), SECOND_FACE_PX / max(face_width, 1))
    if scale > 0.8:
        return _find(pixels)
    small = np.asarray(
        Image.fromarray(pixels).resize((round(width * scale), round(height * scale)), Image.Resampling.BILINEAR)
    )
    rects, scores, _kinds = _Models.get()[0].run(small, 0, 0)
    problem, face = _one_face(list(rects), list(scores))
    if problem == FaceProblem.NO_FACE:
        return _find(pixels)
    if problem:
        return problem, None, False
    return (
        "",
        _rectangle(face.left() / scale, face.top() / scale, face.right() / scale, face.bottom() / scale),
        False,
    )


def analyse(image: bytes | np.ndarray, *, descriptor: bool = True, judge: bool = True) -> FaceAnalysis:
    """Find the face in a photo and judge it; its descriptor (128 numbers), eye ratio and yaw.
    `judge=False` for a reference photo (the registry's, often small and soft): only a face
    is required."""
    try:
        pixels = decode(image) if isinstance(image, bytes) else image
    except ValueError:
        return FaceAnalysis(FaceProblem.UNREADABLE)
    _detector, predictor, recogniser = _Models.get()
    problem, face, upsample = _find(pixels)
    if problem:
        return FaceAnalysis(problem)
    if judge and (problem := _judged(pixels, face, upsample=upsample)):
        return FaceAnalysis(problem)
    shape = predictor(pixels, face)
    points = _points(shape)
    vector = np.array(recogniser.compute_face_descriptor(pixels, shape), dtype=np.float32) if descriptor else None
    return FaceAnalysis("", descriptor=vector, eye_ratio=_eye_ratio(points), yaw=head_yaw(points))


def _judged(pixels: np.ndarray, face: Any, *, upsample: bool) -> str:
    if face.width() < MIN_FACE_PX / (2 if upsample else 1):
        return FaceProblem.TOO_SMALL
    height, width = pixels.shape[:2]
    box = (max(face.left(), 0), max(face.top(), 0), min(face.right(), width), min(face.bottom(), height))
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return FaceProblem.NO_FACE
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


# -- bursts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameReading:
    """One usable frame of a burst: its pixels and landmarks (for a descriptor later)."""

    pixels: np.ndarray
    shape: Any
    eye_ratio: float
    yaw: float


def _find_near(pixels: np.ndarray, box: Any, face_width: float) -> tuple[str, Any, bool]:
    """The face in a crop around the previous frame's box (NEAR_MARGIN of its size on each
    side), scaled so that the face is about NEAR_FACE_PX wide: a few milliseconds instead of a
    whole frame's search. Nothing there: the whole frame is searched (`_find_fast`)."""
    height, width = pixels.shape[:2]
    margin_x, margin_y = box.width() * NEAR_MARGIN, box.height() * NEAR_MARGIN
    left, top = max(int(box.left() - margin_x), 0), max(int(box.top() - margin_y), 0)
    right, bottom = min(int(box.right() + margin_x), width), min(int(box.bottom() + margin_y), height)
    if right - left < MIN_FACE_PX or bottom - top < MIN_FACE_PX:
        return _find_fast(pixels, face_width)
    scale = min(1.0, NEAR_FACE_PX / max(box.width(), 1))
    crop = Image.fromarray(pixels).crop((left, top, right, bottom))
    if scale < 1.0:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.BILINEAR)
    rects, scores, _kinds = _Models.get()[0].run(np.asarray(crop), 0, 0)
    problem, face = _one_face(list(rects), list(scores))
    if problem:
        return _find_fast(pixels, face_width)
    return (
        "",
        _rectangle(
            left + face.left() / scale,
            top + face.top() / scale,
            left + face.right() / scale,
            top + face.bottom() / scale,
        ),
        False,
    )


def _read_burst(frames: Sequence[bytes]) -> list[FrameReading | None]:
    """Each frame's landmarks, or None where the frame is unusable (unreadable, no face, a
    second face, too small, too dark, blurred). The face is searched for in the first frame at
    full size (as `analyse` does), then every REDETECT_EVERY frames in the whole frame scaled
    down (`_find_fast`: a second face elsewhere is refused there); in the frames between, only
    in a crop around the previous frame's face (`_find_near`), the whole frame again when it is
    not found there. A second face that appears beside her between two whole-frame searches is
    seen at the next one."""
    predictor = _Models.get()[1]
    readings: list[FrameReading | None] = []
    box: Any = None  # the previous frame's face; None: search the whole frame
    face_width = 0.0  # of the last face found, at full size; 0: search at full size
    since_search = 0
    for frame in frames:
        try:
            pixels = decode(frame)
        except ValueError:
            readings.append(None)
            box = None
            continue
        if box is None or since_search >= REDETECT_EVERY:
            problem, face, upsample = _find_fast(pixels, face_width) if face_width else _find(pixels)
            since_search = 0
        else:
            problem, face, upsample = _find_near(pixels, box, face_width)
            since_search += 1
        if problem or _judged(pixels, face, upsample=upsample):
            readings.append(None)
            box = None
            continue
        shape = predictor(pixels, face)
        points = _points(shape)
        box, face_width = face, float(face.width())
        readings.append(FrameReading(pixels, shape, _eye_ratio(points), head_yaw(points)))
    return readings


def _descriptor(reading: FrameReading) -> np.ndarray:
    recogniser = _Models.get()[2]
    return np.array(recogniser.compute_face_descriptor(reading.pixels, reading.shape), dtype=np.float32)


@dataclass(frozen=True)
class LivenessCheck:
    live: bool
    # why not: too_few_frames, no_face, no_turn_left, no_turn_right, wrong_order, no_blink,
    # face_changed
    reason: str = ""
    descriptor: np.ndarray | None = None  # of the first frontal open-eyed frame, for matching
    frame: int | None = None  # which frame that was


MIN_FRAMES = 3
TURNS = ("left", "right")
STEPS = (*TURNS, "blink")


@dataclass(frozen=True)
class _Turn:
    side: str
    first: int
    last: int


def _turns(seen: list[tuple[int, FrameReading]], baseline: float) -> list[_Turn]:
    """The head turns of a burst, in order: a run of frames turned to one side (YAW_TURNED or
    more from the burst's median) ends when the head faces the camera again (within
    YAW_STRAIGHT) or turns to the other side; frames in between belong to neither."""
    turns: list[_Turn] = []
    current = ""
    for index, reading in seen:
        relative = reading.yaw - baseline
        side = "left" if relative >= YAW_TURNED else "right" if relative <= -YAW_TURNED else ""
        if side and side == current:
            turns[-1] = _Turn(side, turns[-1].first, index)
        elif side:
            turns.append(_Turn(side, index, index))
            current = side
        elif abs(relative) <= YAW_STRAIGHT:
            current = ""
    return turns


def liveness_check(frames: Sequence[bytes], *, steps: Sequence[str]) -> LivenessCheck:
    """The burst follows the challenge `steps` (turns "left"/"right" and one "blink", in the
    order asked): exactly the head turns asked, in that order, no other; an open-eyed frame,
    a closed-eyed one between the turns the blink was asked between, an open one after it;
    and the first frontal open-eyed frame and the last open-eyed one are the same face."""
    if not steps or any(step not in STEPS for step in steps) or list(steps).count("blink") != 1:
        raise ValueError("a challenge is turns and one blink")
    if len(frames) < MIN_FRAMES:
        return LivenessCheck(False, "too_few_frames")
    readings = _read_burst(frames)
    seen = [(i, r) for i, r in enumerate(readings) if r is not None]
    if len(seen) < MIN_FRAMES:
        return LivenessCheck(False, "no_face")
    baseline = statistics.median(r.yaw for _i, r in seen)
    turns = _turns(seen, baseline)
    asked = [step for step in steps if step != "blink"]
    made = [turn.side for turn in turns]
    if made != asked:
        missing = next((side for side in asked if made.count(side) < asked.count(side)), "")
        return LivenessCheck(False, f"no_turn_{missing}" if missing else "wrong_order")
    before_blink = list(steps).index("blink")  # the turns asked before the blink
    start = turns[before_blink - 1].last + 1 if before_blink else 0
    end = turns[before_blink].first if before_blink < len(turns) else len(frames)
    closed = next((i for i, r in seen if start <= i < end and r.eye_ratio <= EYE_CLOSED), None)
    if (
        closed is None
        or not any(r.eye_ratio >= EYE_OPEN for i, r in seen if i < closed)
        or not any(r.eye_ratio >= EYE_OPEN for i, r in seen if i > closed)
    ):
        return LivenessCheck(False, "no_blink")
    # The face matched is the first frontal open-eyed frame's; the last open-eyed frame, in
    # whatever pose, must be the same face.
    open_eyed = [(i, r) for i, r in seen if r.eye_ratio >= EYE_OPEN]
    first_index, first = next(((i, r) for i, r in open_eyed if abs(r.yaw - baseline) <= YAW_STRAIGHT), open_eyed[0])
    last = open_eyed[-1][1]
    before = _descriptor(first)
    if last is not first and distance(before, _descriptor(last)) > SAME_FACE_MAX_DISTANCE:
        return LivenessCheck(False, "face_changed")
    return LivenessCheck(True, descriptor=before, frame=first_index)
