"""The demo-data hook: each app may have a `seed` module with `seed(context)`; seed_demo runs
them in INSTALLED_APPS order (lowest layer first), so later issues extend the demo data
without the kernel importing the apps above it."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings


@dataclass
class SeedContext:
    demo_password: str
    logins: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def note(self, text: str) -> None:
        """A line seed_demo prints after the logins (card numbers, codes to try, ...)."""
        self.extra.setdefault("notes", []).append(text)

    def login(self, *, role: str, email: str, password: str | None = None, url: str = "/admin/") -> None:
        self.logins.append({"role": role, "email": email, "password": password or self.demo_password, "url": url})

    def credentials_path(self) -> Path:
        return Path(settings.DEMO_CREDENTIALS_PATH)

    def write(self) -> Path:
        path = self.credentials_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"logins": self.logins, **self.extra}, indent=2, ensure_ascii=False))
        path.chmod(0o600)
        return path
