"""A minimal partner API client (standard library only): buy a course for a participant.

    python docs/examples/partner_client.py --base http://127.0.0.1:8000 \
        --key <api key> --secret <signing secret> --card <card number> \
        --account <your id of the buyer's account> --listing <listing id>

It creates the purchase, asks for the code the participant received by SMS (in development:
the sandbox inbox at /dev/inbox/), confirms it and prints the redeem code.

    python docs/examples/partner_client.py --base ... --key ... --secret ... --listing <id> --sandbox-check

runs the integration check instead: a test purchase in the sandbox, confirmed with the code
the sandbox returns, then completed once your webhook endpoint (registered first with
POST /api/v1/webhooks/endpoints/) has answered `sandbox.purchase.confirmed` with a 2xx.
"""

import argparse
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid


def call(base: str, key: str, secret: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
    timestamp = str(int(time.time() * 1000))
    text = "\n".join([method, path, timestamp, hashlib.sha256(data).hexdigest()])
    headers = {
        "Authorization": f"Api-Key {key}",
        "X-Timestamp": timestamp,
        "X-Signature": hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }
    if method == "POST":
        headers["Idempotency-Key"] = str(uuid.uuid4())
    if not base.startswith(("http://", "https://")):
        raise SystemExit("--base must be an http(s) URL")
    request = urllib.request.Request(base + path, data=data or None, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (scheme checked above)
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: {error.code} {error.read().decode()}") from None


def sandbox_check(base: str, key: str, secret: str, listing: int) -> None:
    body = {"listing": listing, "platform_account_id": "sandbox-test-account"}
    test = call(base, key, secret, "POST", "/api/v1/sandbox/purchases/", body)
    print(f"Test purchase {test['id']}: {test['status']}")
    path = f"/api/v1/sandbox/purchases/{test['id']}"
    print("Confirmed:", call(base, key, secret, "POST", f"{path}/confirm/", {"otp": test["sandbox_otp"]})["status"])
    # Completion needs the sandbox.purchase.confirmed webhook answered with a 2xx: watch the log.
    log = "/api/v1/webhooks/deliveries/?event_type=sandbox.purchase.confirmed"
    for _ in range(30):
        latest = call(base, key, secret, "GET", log)["results"][:1]
        if latest and latest[0]["status"] == "delivered":
            break
        if latest:
            print(f"Webhook: {latest[0]['status']}, last answer {latest[0]['last_status_code']}")
        time.sleep(2)
    print("Completed:", call(base, key, secret, "POST", f"{path}/complete/", {})["status"])


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("base", "key", "secret"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--card")
    parser.add_argument("--account", help="your own id of the buyer's account (platform_account_id)")
    parser.add_argument("--listing", type=int, required=True)
    parser.add_argument("--sandbox-check", action="store_true")
    args = parser.parse_args()
    if args.sandbox_check:
        sandbox_check(args.base, args.key, args.secret, args.listing)
        return
    if not args.card or not args.account:
        raise SystemExit("--card and --account are required for a purchase")
    purchase = call(
        args.base,
        args.key,
        args.secret,
        "POST",
        "/api/v1/purchases/",
        {"card_number": args.card, "platform_account_id": args.account, "listing": args.listing},
    )
    print(f"Purchase {purchase['invoice_code']} waits for the participant's code.")
    otp = input("Code from the participant's SMS: ").strip()
    paid = call(args.base, args.key, args.secret, "POST", f"/api/v1/purchases/{purchase['id']}/confirm/", {"otp": otp})
    print(f"Paid. Status {paid['status']}, voucher {paid['voucher_code']}, redeem code {paid['redeem_code']}.")


if __name__ == "__main__":
    main()
