"""The block reasons the programme uses (data; the PMO edits their words in the admin)."""

from typing import Any

from django.db import migrations

REASONS = [
    (
        "false_data",
        "Data palsu atau tidak benar",
        "False or untrue data",
        "Data yang Anda berikan (misalnya NIK, nama, atau status pekerjaan) tidak sesuai dengan data resmi.",
        "The data you gave (for example NIK, name or employment status) does not match official records.",
    ),
    (
        "automation",
        "Penggunaan otomatisasi atau bot",
        "Automation or bots",
        "Akun Anda terlihat digunakan oleh program otomatis (bot), bukan oleh Anda sendiri.",
        "Your account appears to have been used by an automated program (a bot), not by you.",
    ),
    (
        "someone_else",
        "Pelatihan dikerjakan orang lain (joki)",
        "Training done by someone else",
        "Pelatihan Anda terlihat diikuti oleh orang lain atas nama Anda (wajah pada pemeriksaan tidak sesuai).",
        "Your training appears to have been followed by someone else in your name (the face check did not match).",
    ),
    (
        "course_not_finished",
        "Pelatihan tidak diselesaikan",
        "Course not finished",
        "Pelatihan yang Anda beli tidak diselesaikan sesuai ketentuan (sesi atau tugas belum lengkap).",
        "The course you bought was not finished as the rules require (sessions or tasks missing).",
    ),
    (
        "registry_hit",
        "Tercatat di data instansi lain",
        "Found in another agency's registry",
        "Nama Anda tercatat di data instansi lain yang membuat Anda tidak memenuhi syarat (misalnya ASN atau pelajar).",
        "You appear in another agency's registry that makes you ineligible (for example a civil servant or student).",
    ),
    (
        "clawback",
        "Wajib mengembalikan dana",
        "Clawback",
        "Anda dinyatakan tidak memenuhi syarat setelah menerima manfaat dan wajib mengembalikan dana.",
        "You were found ineligible after receiving benefits and must repay them.",
    ),
]


def seed(apps: Any, schema_editor: Any) -> None:
    BlockReason = apps.get_model("applicants", "BlockReason")
    for position, (code, label_id, label_en, explanation_id, explanation_en) in enumerate(REASONS):
        BlockReason.objects.update_or_create(
            code=code,
            defaults={
                "label_id": label_id,
                "label_en": label_en,
                "explanation_id": explanation_id,
                "explanation_en": explanation_en,
                "position": position,
            },
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("applicants", "BlockReason").objects.filter(code__in=[r[0] for r in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("applicants", "0020_appeals")]
    operations = [migrations.RunPython(seed, unseed)]
