"""Helpers for wave and selection tests."""

from collections.abc import Iterable

from applicants.models import Applicant, RegistryEntry, RegistryImport, RegistryKind, Wave, WaveStatus


def put_on_registry(kind: RegistryKind, applicants: Iterable[Applicant], *, source: str = "Uji") -> RegistryImport:
    """A finished, current import of `kind` holding these applicants' NIKs."""
    latest = RegistryImport.objects.filter(kind=kind, source=source).count()
    RegistryImport.objects.filter(kind=kind, source=source).update(is_current=False)
    registry_import = RegistryImport.objects.create(
        kind=kind, source=source, version=latest + 1, status="done", is_current=True
    )
    RegistryEntry.objects.bulk_create(
        [RegistryEntry(registry_import=registry_import, nik_index=a.nik_index or "") for a in applicants]
    )
    return registry_import


def close(wave: Wave) -> Wave:
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.CLOSED)
    wave.refresh_from_db()
    return wave
