from django.utils.text import slugify

from partners.models import Partner, PartnerStatus
from prakerja.core.seeding import SeedContext

# The eight platforms that signed with the PMO on 20 March 2020.
PLATFORMS_2020 = [
    ("Tokopedia", "PT Tokopedia", "https://www.tokopedia.com"),
    ("Bukalapak", "PT Bukalapak.com Tbk", "https://www.bukalapak.com"),
    ("Skill Academy by Ruangguru", "PT Ruang Raya Indonesia", "https://skillacademy.com"),
    ("MauBelajarApa", "PT Mau Belajar Apa", "https://maubelajarapa.com"),
    ("Pintaria", "PT Haruka Evolusi Digital Utama", "https://pintaria.com"),
    ("Sekolahmu", "PT Sekolah Integrasi Digital", "https://www.sekolah.mu"),
    ("Pijar Mahir", "PT Telkom Indonesia (Persero) Tbk", "https://pijarmahir.id"),
    ("Sisnaker", "Kementerian Ketenagakerjaan", "https://prakerja.kemnaker.go.id"),
]


def seed(context: SeedContext) -> None:
    for name, legal_name, website in PLATFORMS_2020:
        Partner.objects.update_or_create(
            slug=slugify(name),
            defaults={"name": name, "legal_name": legal_name, "website": website, "status": PartnerStatus.ACTIVE},
        )
