"""The published test vector of the partner API signature (docs/partner-api.md)."""

from partners.api.signing import sign, string_to_sign

SECRET = "contoh-rahasia-tanda-tangan"
BODY = b'{"card_number":"5380342687319785","platform_account_id":"usr_8f3a2c91","listing":12}'


def test_the_documented_vector() -> None:
    text = string_to_sign(method="post", path="/api/v1/purchases/", timestamp="1767225600000", body=BODY)
    assert text == (
        "POST\n/api/v1/purchases/\n1767225600000\n34696498ccd15eae159c4e7567518d1f6c5a1949e1fb02d398ff8ae1ca982d55"
    )
    signature = sign(secret=SECRET, method="POST", path="/api/v1/purchases/", timestamp="1767225600000", body=BODY)
    assert signature == "bb9be5f767191bc710f526b33b19a1103e313298fd42bbd59d092a22ccd994bf"
    get = sign(secret=SECRET, method="GET", path="/api/v1/purchases/?status=paid", timestamp="1767225600000", body=b"")
    assert get == "844c2bc09825cdb3a4ddc9d83c8bfcbe875af32d7d03b3af81dbde9a67c7aff8"
