"""Locality-sensitive hashing of face descriptors, so that the faces near a face can be found
among millions without comparing with each (issue 22: the "joki" search).

Random-hyperplane LSH (Charikar, 2002): a bit is the side of a random hyperplane through a fixed
centre (CENTRE, below) on which a descriptor lies, so two descriptors at an angle θ seen from the
centre agree on a bit with probability 1 - θ/π. A code is TABLE_BITS such bits; there are TABLES
codes (tables) per face, each from its own hyperplanes. Two faces are candidates when they share
the code of at least one table; the exact distance is then computed on the candidates'
descriptors only. The sign does not depend on the length of (descriptor - centre), so the codes
are those of that vector unit-normalised.

TABLES and TABLE_BITS were chosen from measurements (docs/benchmarks.md, "Face search index"):
among evenly spread descriptors (the benchmark's), a pair at distance 0.45 (inside dlib's 0.6
and our 0.55) shares a code in some table with probability >= 99% (99.7% measured), while a
random other face is a candidate with probability about TABLES / 2**TABLE_BITS. Real people's
descriptors are less well separated than that (different people about 0.85 apart rather than
1.4), and there the same measurements give less: see docs/benchmarks.md.

The hyperplanes are fixed: derived from VERSION's seed by SHAKE-256 (stdlib, the same on every
machine and every numpy), never from a random generator whose stream may change between library
versions. Codes stored with one version are only comparable with codes of that version; a new
version (other seed, tables or bits) means rebuilding the index (`manage.py face_index_backfill
--rebuild`, from the encrypted descriptors).

A face's codes are derived biometric data (docs/architecture.md, "Where the photos live").
"""

import hashlib
from functools import lru_cache

import numpy as np

VERSION = 1
TABLES = 256
TABLE_BITS = 16
DIMENSIONS = 128
SEED = b"prakerja-face-index-v1"
# The hyperplanes pass through this point, not the origin: dlib's descriptors are not spread
# around the origin but lie in a narrow cone (measured on 89 faces: scikit-image's LFW sample and
# the sharp portraits of tests/faces.py; their mean is 1.28 long, the faces 1.28-1.53, and two
# different people's descriptors lie 31 degrees apart at the median), so through the origin
# nearly every hyperplane puts two different people on the same side: 82% of all other faces
# would be candidates. Around this mean they lie 92 degrees apart at the median. Part of VERSION.
_CENTRE_TEXT = """
-0.0895 0.0847 0.0396 -0.0260 -0.0868 -0.0147 -0.0086 -0.1398 0.1307 -0.0810 0.1772 -0.0495
-0.2332 -0.0834 -0.0290 0.1225 -0.1463 -0.1219 -0.1054 -0.0761 0.0237 0.0368 0.0468 0.0121
-0.1379 -0.3009 -0.0703 -0.0964 0.0401 -0.0668 0.0175 0.0715 -0.2042 -0.0568 0.0125 0.0746
-0.0426 -0.0438 0.2134 0.0135 -0.1676 0.0388 0.0643 0.2277 0.2121 -0.0179 0.0099 -0.0654 0.1232
-0.2340 0.0327 0.1448 0.1463 0.0689 0.0782 -0.1220 0.0189 0.1297 -0.1856 0.0689 0.0673 -0.0905
-0.0360 -0.0066 0.1411 0.0812 -0.0793 -0.1381 0.1680 -0.1520 -0.0447 0.0800 -0.0908 -0.1513
-0.2787 0.0321 0.3475 0.1218 -0.1807 0.0083 -0.0727 -0.0191 0.0320 0.0398 -0.0665 -0.0564
-0.0932 0.0191 0.1774 -0.0208 -0.0248 0.2309 0.0225 -0.0060 0.0327 0.0394 -0.1152 -0.0185
-0.1144 -0.0238 0.0389 -0.1060 0.0129 0.1005 -0.1770 0.1584 -0.0363 -0.0236 -0.0074 -0.0175
-0.0697 0.0106 0.1508 -0.2349 0.2019 0.1588 -0.0287 0.1195 0.0674 0.0657 -0.0112 -0.0010 -0.1327
-0.1214 0.0288 -0.0230 0.0255 0.0374
"""
CENTRE = np.array([float(number) for number in _CENTRE_TEXT.split()])


def normals(count: int, seed: bytes) -> np.ndarray:
    """`count` standard normal numbers from `seed`: Box-Muller on SHAKE-256's stream."""
    words = np.frombuffer(hashlib.shake_256(seed).digest(count * 8), dtype="<u8")
    # 53-bit uniforms in (0, 1), never 0 (log) nor 1.
    uniform = ((words >> np.uint64(11)).astype(np.float64) + 0.5) / float(2**53)
    first, second = uniform[0::2], uniform[1::2]
    radius = np.sqrt(-2.0 * np.log(first))
    normal = np.empty(count, dtype=np.float64)
    normal[0::2] = radius * np.cos(2 * np.pi * second)
    normal[1::2] = radius * np.sin(2 * np.pi * second)
    return normal


@lru_cache(maxsize=1)
def hyperplanes() -> np.ndarray:
    """TABLES * TABLE_BITS normals of 128 numbers (hyperplanes through the origin)."""
    return normals(TABLES * TABLE_BITS * DIMENSIONS, SEED).reshape(TABLES * TABLE_BITS, DIMENSIONS)


_WEIGHTS = (1 << np.arange(TABLE_BITS, dtype=np.int64)).astype(np.int64)


def codes_many(descriptors: np.ndarray) -> np.ndarray:
    """The codes of many descriptors at once: an (n, TABLES) array of ints in [0, 2**TABLE_BITS)."""
    matrix = np.asarray(descriptors, dtype=np.float64).reshape(-1, DIMENSIONS) - CENTRE
    bits = (matrix @ hyperplanes().T) > 0
    return bits.reshape(-1, TABLES, TABLE_BITS).astype(np.int64) @ _WEIGHTS


def codes(descriptor: np.ndarray) -> list[int]:
    """The face's code in each table (TABLES numbers of TABLE_BITS bits)."""
    return [int(code) for code in codes_many(descriptor)[0]]


def keys(descriptor: np.ndarray) -> list[int]:
    """One number per table, the table's number and its code together (`table * 2**TABLE_BITS +
    code`), so that one array of a face holds all its codes and one GIN index finds them."""
    return [table << TABLE_BITS | code for table, code in enumerate(codes(descriptor))]


def keys_many(descriptors: np.ndarray) -> np.ndarray:
    offsets = np.arange(TABLES, dtype=np.int64) << TABLE_BITS
    return codes_many(descriptors) + offsets
