import json
import os
import platform
from collections.abc import Callable
from typing import Any

import pytest


def machine() -> str:
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{os.cpu_count()} cores, {memory_gib:.0f} GiB, {cpu}, {python}"


@pytest.fixture
def report() -> Callable[..., None]:
    """Print one JSON line per figure, as `make bench` promises."""

    def emit(name: str, value: float, unit: str, **details: Any) -> None:
        line = {"benchmark": name, "value": round(value, 3), "unit": unit, **details, "machine": machine()}
        print(json.dumps(line), flush=True)

    return emit
