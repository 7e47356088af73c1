"""The face engine (dlib) on real photographs: scikit-image's astronaut as the person, LFW
faces as other people, painted eyelids for a blink (tests/faces.py says how far they carry)."""

import numpy as np
import pytest

from prakerja.identity import faces
from tests import faces as photos


def test_the_same_person_in_two_photos_matches() -> None:
    # given a selfie and the registry's softer, differently framed photo of the same person
    selfie = faces.analyse(photos.selfie())
    registry = faces.analyse(photos.registry_photo(), judge=False)
    # then both are described and they match clearly
    assert selfie.problem == ""
    assert selfie.descriptor is not None
    assert registry.descriptor is not None
    assert faces.similarity(selfie.descriptor, registry.descriptor) > 70
    assert faces.same_person(selfie.descriptor, registry.descriptor)


def test_other_people_do_not_match() -> None:
    selfie = faces.analyse(photos.selfie())
    assert selfie.descriptor is not None
    scores = []
    for index in range(0, 100, 4):
        other = faces.analyse(photos.other_person_photo(index), judge=False)
        if other.descriptor is not None:
            scores.append(faces.similarity(selfie.descriptor, other.descriptor))
    # 25 of LFW's faces tried; dlib describes most of them even at 25 px scaled up
    assert len(scores) >= 15
    assert max(scores) < 45


def test_photos_that_need_a_retake_say_why() -> None:
    assert faces.analyse(photos.dark_selfie()).problem == faces.FaceProblem.TOO_DARK
    assert faces.analyse(photos.blurred_selfie()).problem == faces.FaceProblem.BLURRED
    assert faces.analyse(photos.no_face_photo()).problem == faces.FaceProblem.NO_FACE
    assert faces.analyse(b"not a photo").problem == faces.FaceProblem.UNREADABLE
    assert faces.analyse(photos.selfie(size=120)).problem == faces.FaceProblem.TOO_SMALL


def test_closed_eyes_have_a_low_eye_aspect_ratio() -> None:
    open_eyes = faces.analyse(photos.selfie())
    closed = faces.analyse(photos.selfie(eyes="closed"))
    assert open_eyes.eye_ratio is not None
    assert closed.eye_ratio is not None
    assert open_eyes.eye_ratio >= faces.EYE_OPEN > faces.EYE_CLOSED >= closed.eye_ratio


LEFT_BLINK_RIGHT = ("left", "blink", "right")


def test_a_turned_head_is_still_found_and_its_yaw_says_which_way() -> None:
    # given the selfie, and the same face turned to her left and to her right
    straight = faces.analyse(photos.selfie())
    left = faces.analyse(photos.selfie(turn="left"))
    right = faces.analyse(photos.selfie(turn="right"))
    # then dlib finds and judges all three, and the yaw measure moves clearly either way
    for found in (straight, left, right):
        assert found.problem == ""
        assert found.yaw is not None
    assert straight.yaw is not None
    assert left.yaw is not None
    assert right.yaw is not None
    assert abs(straight.yaw) < faces.YAW_STRAIGHT
    assert left.yaw - straight.yaw >= faces.YAW_TURNED * 1.3
    assert straight.yaw - right.yaw >= faces.YAW_TURNED * 1.3
    # and the turned face is still her face
    assert straight.descriptor is not None
    assert left.descriptor is not None
    assert faces.same_person(straight.descriptor, left.descriptor)


def test_the_yaw_measure_ignores_a_tilted_head() -> None:
    # given landmarks of the straight face, rotated in the image plane by 15 degrees
    found = faces.analyse(photos.selfie())
    assert found.yaw is not None
    points = photos._landmarks(photos.selfie_image())
    angle = np.radians(15)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = (points - points.mean(axis=0)) @ rotation.T + points.mean(axis=0)
    # then the yaw is the same
    assert abs(faces.head_yaw(tilted) - faces.head_yaw(points)) < 0.01


@pytest.mark.parametrize("steps", [LEFT_BLINK_RIGHT, ("blink", "right", "left"), ("right", "left", "blink")])
def test_a_burst_that_follows_the_challenge_is_live(steps: tuple[str, ...]) -> None:
    check = faces.liveness_check(photos.challenge_burst(steps), steps=steps)
    assert check.live, check.reason
    assert check.descriptor is not None
    assert check.frame == 0  # the frontal frame before the steps, for matching


def test_a_photo_held_to_the_camera_is_not_live() -> None:
    assert faces.liveness_check([photos.selfie()] * 8, steps=LEFT_BLINK_RIGHT).reason == "no_turn_left"


def test_a_replayed_video_of_her_blinking_does_not_follow_the_challenge() -> None:
    # given a burst of the person blinking, facing the camera (the old liveness's proof)
    check = faces.liveness_check(photos.burst(blink=True), steps=("right", "blink", "left"))
    # then no turn was made: not live
    assert not check.live
    assert check.reason == "no_turn_right"


def test_turns_in_the_wrong_order_are_refused() -> None:
    frames = photos.challenge_burst(("right", "blink", "left"))
    assert faces.liveness_check(frames, steps=LEFT_BLINK_RIGHT).reason == "wrong_order"


def test_a_blink_at_another_moment_than_asked_is_refused() -> None:
    # given the right turns, but the blink after both instead of between them
    frames = photos.challenge_burst(("left", "right", "blink"))
    assert faces.liveness_check(frames, steps=LEFT_BLINK_RIGHT).reason == "no_blink"


def test_a_turn_too_many_is_refused() -> None:
    # given a recording that turns left, right and left again (enough for several orders)
    frames = photos.challenge_burst(("left", "blink", "right")) + photos.challenge_burst(("left", "blink", "right"))
    assert faces.liveness_check(frames, steps=LEFT_BLINK_RIGHT).reason == "wrong_order"


def test_no_blink_is_refused() -> None:
    frames = photos.challenge_burst(LEFT_BLINK_RIGHT, blink=False)
    assert faces.liveness_check(frames, steps=LEFT_BLINK_RIGHT).reason == "no_blink"


def test_a_burst_whose_face_changes_is_not_live() -> None:
    # given the challenge followed, but the last frames are somebody else's face
    frames = photos.challenge_burst(("blink", "left", "right"))
    other = photos.other_person_selfie()
    assert faces.analyse(other).problem == ""  # a usable frame
    check = faces.liveness_check([*frames[:-3], other, other, other], steps=("blink", "left", "right"))
    # then not live: the face at the end is not the one at the start
    assert check.reason == "face_changed"


def test_too_few_frames() -> None:
    assert faces.liveness_check([photos.selfie()], steps=LEFT_BLINK_RIGHT).reason == "too_few_frames"


def test_a_challenge_needs_one_blink() -> None:
    with pytest.raises(ValueError, match="one blink"):
        faces.liveness_check(photos.burst(), steps=("left", "right"))


def test_quality_refusals_hold_when_frames_are_searched_near_the_last_face() -> None:
    # given a burst whose middle frames are dark, blurred or without a face
    frames = photos.challenge_burst(LEFT_BLINK_RIGHT)
    spoiled = [*frames[:2], photos.dark_selfie(), photos.blurred_selfie(), photos.no_face_photo(), *frames[5:]]
    readings = faces._read_burst(spoiled)
    # then exactly those frames are unusable, the others read
    assert [i for i, r in enumerate(readings) if r is None] == [2, 3, 4]


def test_a_second_face_makes_a_searched_frame_unusable() -> None:
    from PIL import Image

    # given frames with a second face as large as hers: the first, and the 5th (searched again)
    two = Image.new("RGB", (960, 480))
    two.paste(photos.selfie_image(), (0, 0))
    two.paste(photos.selfie_image(), (480, 0))
    crowded = photos._jpeg(two)
    frames = photos.burst(blink=False)
    readings = faces._read_burst([crowded, *frames[:4], crowded, *frames[4:7]])
    # then those are not used, the others are
    assert [i for i, r in enumerate(readings) if r is None] == [0, 5]


def test_descriptor_round_trip() -> None:
    found = faces.analyse(photos.selfie())
    assert found.descriptor is not None
    back = faces.descriptor_from(faces.descriptor_bytes(found.descriptor))
    assert faces.distance(back, found.descriptor) == 0
