"""Panels that higher layers add to the applicant dashboard (purchases, later incentives).

Dependencies point partners -> courses -> applicants, so the dashboard cannot import them;
instead each registers a panel function in `PANELS` at start-up (AppConfig.ready:
`PANELS.register("partners.purchases", purchases_panel)`), and the dashboard asks every
registered function for its panel."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from applicants.models import Applicant
from prakerja.core.registry import Registry


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[Applicant], Panel | None]
PANELS: Registry[PanelProvider] = Registry("applicants.dashboard_panels")


def dashboard_panels(applicant: Applicant) -> list[Panel]:
    panels = [panel for provider in PANELS.items() if (panel := provider(applicant)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
