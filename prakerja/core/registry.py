"""Where a lower layer shows or uses something a higher one provides.

Dependencies point one way (partners -> courses -> applicants -> prakerja), so the kernel's
programme dashboard cannot import the sections the apps compute, the payment sandbox cannot
import the payout callback view, and `courses` cannot call `partners` when a course is decided.
The lower layer declares a typed `Registry[T]`; the higher one registers into it from its
`AppConfig.ready` (under a key, so a second `ready` replaces rather than doubles); the lower one
reads `items()` (or `one()` where a single provider is expected) when it needs them.

    # lower layer (courses/hooks.py)
    COURSE_DECIDED: Registry[Callable[[CourseDecided], None]] = Registry("courses.course_decided")
    for receiver in COURSE_DECIDED.items(): receiver(event)

    # higher layer (partners/apps.py, ready())
    COURSE_DECIDED.register("partners.listings", listings_on_course_decided)

This replaces Django signals between our own apps: a registry's items are typed (mypy checks
what is registered), listed in one place, and called in registration order."""

from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Items of type T, each under a key, kept in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def __repr__(self) -> str:
        return f"Registry({self.name!r}, {list(self._items)})"

    def register(self, key: str, item: T) -> T:
        """Add `item` under `key` (replacing what was there); returns it."""
        self._items[key] = item
        return item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def items(self) -> list[T]:
        return list(self._items.values())

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def one(self) -> T | None:
        """The only item, for a registry with one provider (the latest registered wins)."""
        return next(reversed(self._items.values()), None)

    def __len__(self) -> int:
        return len(self._items)
