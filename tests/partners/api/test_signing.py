"""The published test vector of the partner API signature (docs/partner-api.md)."""

from partners.api.signing import sign, string_to_sign

SECRET = "contoh-rahasia-tanda-tangan"
BODY = b'{"card_number":"5380342687319785","listing":12}'


def test_the_documented_vector() -> None:
    text = string_to_sign(method="post", path="/api/v1/purchases/", timestamp="1767225600000", body=BODY)
    assert text == (
        "POST\n/api/v1/purchases/\n1767225600000\ne161bc30b6523e22da02882d387df023a532836b6a88436a1ab1f3fe0d16ed74"
    )
    signature = sign(secret=SECRET, method="POST", path="/api/v1/purchases/", timestamp="1767225600000", body=BODY)
    assert signature == "4f15ea132c79809b7c6e489a6cc22697a1282fb2fcbb7bf5114130257f6509a1"
    get = sign(secret=SECRET, method="GET", path="/api/v1/purchases/?status=paid", timestamp="1767225600000", body=b"")
    assert get == "844c2bc09825cdb3a4ddc9d83c8bfcbe875af32d7d03b3af81dbde9a67c7aff8"
