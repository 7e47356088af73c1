"""The face engine (dlib) on real photographs: scikit-image's astronaut as the person, LFW
faces as other people, painted eyelids for a blink (tests/faces.py says how far they carry)."""

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


def test_a_blinking_burst_is_live() -> None:
    check = faces.liveness_check(photos.burst(blink=True))
    assert check.live
    assert check.descriptor is not None


def test_a_photo_held_to_the_camera_is_not_live() -> None:
    assert faces.liveness_check(photos.burst(blink=False)).reason == "no_blink"


def test_a_burst_whose_face_changes_is_not_live() -> None:
    # given a blink, but the last open-eyed frames are somebody else's face
    frames = photos.burst(blink=True)
    other = photos.other_person_photo(3)
    check = faces.liveness_check([*frames[:5], other, other, other])
    assert not check.live


def test_too_few_frames() -> None:
    assert faces.liveness_check([photos.selfie()]).reason == "too_few_frames"


def test_descriptor_round_trip() -> None:
    found = faces.analyse(photos.selfie())
    assert found.descriptor is not None
    back = faces.descriptor_from(faces.descriptor_bytes(found.descriptor))
    assert faces.distance(back, found.descriptor) == 0
