"""The face engine on a real, sharp second person (Barack Obama's and Joe Biden's photographs from
face_recognition 1.3.0's test images, vendored by `make faces-data`; tests/faces.py): two photos
of one person match, two different people do not, whoever they are."""

import numpy as np

from prakerja.identity import faces
from tests import faces as photos


def descriptor(name: str) -> np.ndarray:
    found = faces.analyse(photos.portrait(name))
    assert found.problem == "", found.problem  # sharp, lit, one face: a selfie's checks pass
    assert found.descriptor is not None
    return found.descriptor


def test_two_sharp_photos_of_the_same_second_person_match() -> None:
    # given two photographs of Obama, framed as selfies
    first, second = descriptor("obama"), descriptor("obama2")
    # then they match, as a third photograph of him does
    assert faces.same_person(first, second)
    assert faces.same_person(first, descriptor("obama3"))


def test_two_different_sharp_people_do_not_match() -> None:
    # given Obama's, Biden's and the astronaut's faces
    obama, biden = descriptor("obama"), descriptor("biden")
    astronaut = faces.analyse(photos.selfie()).descriptor
    assert astronaut is not None
    # then no two of them match, clearly (dlib's limit is 0.6 apart; ours 0.55)
    for a, b in ((obama, biden), (astronaut, obama), (astronaut, biden)):
        assert not faces.same_person(a, b)
        assert faces.distance(a, b) > 0.7
