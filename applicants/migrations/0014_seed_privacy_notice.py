"""The first privacy notice, so a fresh database has a version in force for registration."""

import datetime as dt

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SUMMARY = (
    "Kami memakai data Anda (identitas, kontak, foto KTP, data pelatihan dan insentif) hanya untuk "
    "menjalankan Program Kartu Prakerja, sesuai UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi."
)
TEXT = """1. Data yang kami kumpulkan: alamat email, nama, NIK, nomor KK, tanggal lahir, jenis kelamin, \
nomor HP, alamat, pendidikan, status pekerjaan, foto KTP, hasil tes, keikutsertaan gelombang, kartu, \
pembelian pelatihan, rekening penerimaan insentif, pengaduan.
2. Tujuan: verifikasi kelayakan, seleksi, penerbitan kartu, pembayaran insentif, penanganan pengaduan, \
pengawasan dan audit program.
3. Penyimpanan: foto KTP orang yang tidak pernah menjadi peserta dihapus setelah masa retensi; data yang \
mendasari perpindahan uang disimpan selama masa retensi lalu dianonimkan.
4. Hak Anda: mengakses, memperbaiki, meminta penghapusan, dan menarik persetujuan tambahan di halaman \
Privasi akun Anda.
5. Persetujuan tambahan (misalnya berbagi kontak dengan platform untuk penawaran) terpisah dan dapat \
ditarik kapan saja.
"""


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    PrivacyNotice = apps.get_model("applicants", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(
        version=1,
        defaults={
            "title": "Pemberitahuan Privasi Kartu Prakerja",
            "summary": SUMMARY,
            "text": TEXT,
            "published_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("applicants", "0013_privacy_notices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
