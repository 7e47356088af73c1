"""Raw SQL for the hottest reads, spelled from the models' own metadata.

The ORM compiles a query anew on every call; for a statement that never changes shape (one row
by key, a fixed column list) the compile costs more than the database does. `ModelColumns`
names a model's columns once per process, in the model's field order, and turns a row's values
back into a model instance exactly as the ORM does (`Model.from_db`: the columns not read are
deferred, as with `.only()`)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def quoted(name: str) -> str:
    """A PostgreSQL identifier (the names come from the models, never from a request)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class ModelColumns(Generic[M]):
    model: type[M]
    names: tuple[str, ...]  # attnames, in the model's field order
    columns: tuple[str, ...]

    @classmethod
    def of(cls, model: type[M], attnames: Iterable[str] | None = None) -> "ModelColumns[M]":
        wanted = None if attnames is None else set(attnames)
        fields = [f for f in model._meta.concrete_fields if wanted is None or f.attname in wanted]
        missing = (wanted or set()) - {f.attname for f in fields}
        if missing:
            raise ValueError(f"{model.__name__} has no columns {sorted(missing)}")
        return cls(model=model, names=tuple(f.attname for f in fields), columns=tuple(f.column for f in fields))

    @property
    def table(self) -> str:
        return quoted(self.model._meta.db_table)

    def column(self, attname: str) -> str:
        column = getattr(self.model._meta.get_field(attname), "column", None)
        if not isinstance(column, str):
            raise ValueError(f"{self.model.__name__}.{attname} is not a column")
        return quoted(column)

    def select_list(self, alias: str = "") -> str:
        prefix = f"{quoted(alias)}." if alias else ""
        return ", ".join(prefix + quoted(column) for column in self.columns)

    def __len__(self) -> int:
        return len(self.names)

    def instance(self, db: str, values: Sequence[Any]) -> M:
        return self.model.from_db(db, list(self.names), values)
