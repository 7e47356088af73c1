"""Summarise a py-spy raw profile (collapsed stacks): where the samples went, inclusive (a
function and what it called) and by own time.

    .venv/bin/python -m tests.benchmarks.profile_summary var/profiles/signed_get.txt [--top 40]
"""

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "python3.11/", "/perf/", "/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['function']} ({path})"


def summarise(path: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [short(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += samples
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    lines = [f"{path.name}: {total} samples"]
    lines.append("inclusive:")
    lines += [f"  {n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)]
    lines.append("own time:")
    lines += [f"  {n / total:6.1%}  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=40)
    arguments = parser.parse_args()
    for profile in arguments.profiles:
        print(summarise(profile, arguments.top))


if __name__ == "__main__":
    main()
