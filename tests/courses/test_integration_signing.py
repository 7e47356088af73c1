"""The integration protocol's published test vector, and the body forms clients send."""

import json

from courses.integration.signing import body_forms, integration_signature


def test_the_published_vector():
    signature = integration_signature(
        sign_key="my_sign_key",
        client_code="myclient_code",
        timestamp="1516239022",
        method="POST",
        path="/api/v1/integration/payment/redeem-code/commit",
        body='{"redeem_code":"code"}',
    )
    assert signature == "943c20a8e36b6243f576404b00fffdc86411ce1f"


def test_python_default_json_is_signed_in_its_compact_form():
    sent = json.dumps({"redeem_code": "code", "sequence": 2}).encode()  # '{"redeem_code": "code", "sequence": 2}'
    data, forms = body_forms(sent)
    assert data == {"redeem_code": "code", "sequence": 2}
    assert '{"redeem_code":"code","sequence":2}' in forms
