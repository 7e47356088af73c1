"""Panels that higher layers add to the applicant dashboard (purchases, later incentives).

Dependencies point partners -> courses -> applicants, so the dashboard cannot import them;
instead each registers a panel function at start-up (AppConfig.ready), and the dashboard asks
every registered function for its panel."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from applicants.models import Applicant


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[Applicant], Panel | None]
_providers: list[PanelProvider] = []


def register_panel(provider: PanelProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def dashboard_panels(applicant: Applicant) -> list[Panel]:
    panels = [panel for provider in _providers if (panel := provider(applicant)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
