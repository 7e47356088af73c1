"""The real identity provider: the civil registry's (Dukcapil's) verification service over HTTPS.

Shaped on the registry's verification web service for partner institutions:
- data match: `POST /api/v1/verifikasi/data` with `NIK`, `NAMA_LGKP`, `TGL_LHR` (DD-MM-YYYY),
  `TMPT_LHR` and the name threshold `TRESHOLD` (sic); the answer lists per field "Sesuai"
  (match) or "Tidak Sesuai" (mismatch), the name with its score, `"Sesuai (97)"`; an unknown
  NIK answers responseCode `11` ("Data Tidak Ditemukan").
- face match: `POST /api/v1/verifikasi/wajah` with `nik`, `threshold` and the selfie as
  Base64 JPEG; answers `matchScore` (0-100) or an image problem code.
- liveness: `POST /api/v1/verifikasi/liveness` with the burst's frames as Base64 JPEGs. The
  registry's liveness knows nothing of our challenge, so the burst is first checked against it
  here, with our face engine (`faces.liveness_check`); a burst that does not follow it is not
  sent (not live, the reason ours, no registry reference).
Every request: `X-CLIENT-ID`, `X-TIMESTAMP` (ISO 8601, +07:00), `X-REQUEST-ID` (our per-call
reference, also `transactionId` in the body: the registry answers a repeated id with the
first answer, so a retry is safe) and `X-SIGNATURE` = hex(HMAC-SHA256(client secret,
`METHOD\\npath\\nX-TIMESTAMP\\nX-REQUEST-ID\\nlowercase(hex(SHA-256(body)))`)). The answer
carries the registry's own `referenceId`, stored with each result.

A connection error, a timeout or a 5xx is retried IDENTITY_HTTP_RETRIES times with a short
backoff under the same reference, then `IdentityProviderUnavailable`. A 4xx is not retried.
Tested against a local fake server that checks the signature (tests/prakerja/test_identity_http.py).
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.conf import settings

from prakerja.identity import faces
from prakerja.identity.provider import (
    DataMatch,
    FaceMatch,
    FieldMatch,
    IdentityClaim,
    IdentityProviderUnavailable,
    Liveness,
)

PATHS = {
    "data": "/api/v1/verifikasi/data",
    "face": "/api/v1/verifikasi/wajah",
    "liveness": "/api/v1/verifikasi/liveness",
}
OK = "00"
NOT_FOUND = "11"
# The registry's image problem codes, as ours.
IMAGE_PROBLEMS = {
    "21": "no_face",
    "22": "several_faces",
    "23": "too_dark",
    "24": "blurred",
    "25": "too_small",
    "26": "no_reference",
}
FIELDS = {"NIK": "nik", "NAMA_LGKP": "full_name", "TGL_LHR": "birth_date", "TMPT_LHR": "birth_place"}
JAKARTA = ZoneInfo("Asia/Jakarta")


def registry_timestamp() -> str:
    return dt.datetime.now(JAKARTA).isoformat(timespec="seconds")


def registry_signature(*, secret: str, method: str, path: str, timestamp: str, request_id: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest().lower()
    message = f"{method}\n{path}\n{timestamp}\n{request_id}\n{digest}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _field(answer: str) -> FieldMatch:
    """ "Sesuai", "Sesuai (97)", "Tidak Sesuai", "Tidak Sesuai (64)"."""
    found = re.search(r"\((\d{1,3})\)", answer)
    score = int(found.group(1)) if found else None
    return FieldMatch(answer.strip().upper().startswith("SESUAI"), score)


class DukcapilIdentityProvider:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.base_url = (base_url or settings.DUKCAPIL_BASE_URL).rstrip("/")
        self.client_id = client_id or settings.DUKCAPIL_CLIENT_ID
        self.client_secret = client_secret or settings.DUKCAPIL_CLIENT_SECRET
        self.timeout = timeout or settings.DUKCAPIL_TIMEOUT_S
        self.retries = settings.IDENTITY_HTTP_RETRIES if retries is None else retries
        self.backoff = backoff
        self.session = requests.Session()

    def _post(self, path: str, reference: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"transactionId": reference, **payload}, separators=(",", ":")).encode()
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            timestamp = registry_timestamp()
            headers = {
                "Content-Type": "application/json",
                "X-CLIENT-ID": self.client_id,
                "X-TIMESTAMP": timestamp,
                "X-REQUEST-ID": reference,
                "X-SIGNATURE": registry_signature(
                    secret=self.client_secret,
                    method="POST",
                    path=path,
                    timestamp=timestamp,
                    request_id=reference,
                    body=body,
                ),
            }
            try:
                # (connect, read): a registry that does not accept the connection fails fast.
                response = self.session.post(
                    self.base_url + path, data=body, headers=headers, timeout=(min(self.timeout, 3.0), self.timeout)
                )
            except requests.RequestException:
                continue
            if response.status_code >= 500:
                continue
            try:
                data = response.json()
            except ValueError:
                data = {}
            if response.status_code >= 400 or not isinstance(data, dict):
                # Our request or credentials are wrong: retrying cannot help.
                raise IdentityProviderUnavailable(f"registry refused the call: {response.status_code}")
            return data
        raise IdentityProviderUnavailable("registry unreachable")

    def data_match(self, *, reference: str, claim: IdentityClaim) -> DataMatch:
        data = self._post(
            PATHS["data"],
            reference,
            {
                "NIK": claim.nik,
                "NAMA_LGKP": claim.full_name,
                "TGL_LHR": claim.birth_date.strftime("%d-%m-%Y"),
                "TMPT_LHR": claim.birth_place,
                "TRESHOLD": settings.IDENTITY_NAME_THRESHOLD,
            },
        )
        provider_reference = str(data.get("referenceId", ""))
        code = str(data.get("responseCode", ""))
        content = data.get("content") or [{}]
        row = content[0] if isinstance(content, list) and content and isinstance(content[0], dict) else {}
        if code == NOT_FOUND or not any(key in row for key in FIELDS):
            return DataMatch(found=False, provider_reference=provider_reference)
        return DataMatch(
            found=True,
            fields={ours: _field(str(row.get(theirs, ""))) for theirs, ours in FIELDS.items()},
            provider_reference=provider_reference,
        )

    def face_match(self, *, reference: str, nik: str, selfie: bytes) -> FaceMatch:
        data = self._post(
            PATHS["face"],
            reference,
            {"nik": nik, "threshold": settings.FACE_MATCH_MIN_SCORE, "image": base64.b64encode(selfie).decode()},
        )
        provider_reference = str(data.get("referenceId", ""))
        code = str(data.get("responseCode", ""))
        if code in IMAGE_PROBLEMS:
            return FaceMatch(IMAGE_PROBLEMS[code], provider_reference=provider_reference)
        if code == NOT_FOUND:
            return FaceMatch("no_reference", provider_reference=provider_reference)
        if code != OK:
            raise IdentityProviderUnavailable(f"registry answered {code}")
        return FaceMatch("", score=float(data["matchScore"]), provider_reference=provider_reference)

    def liveness(self, *, reference: str, frames: Sequence[bytes], challenge: Sequence[str]) -> Liveness:
        ours = faces.liveness_check(frames, steps=challenge)
        if not ours.live:
            return Liveness(False, ours.reason)
        data = self._post(
            PATHS["liveness"], reference, {"images": [base64.b64encode(frame).decode() for frame in frames]}
        )
        provider_reference = str(data.get("referenceId", ""))
        if str(data.get("responseCode", "")) != OK:
            raise IdentityProviderUnavailable("registry answered " + str(data.get("responseCode")))
        return Liveness(bool(data.get("live")), str(data.get("reason", "")), provider_reference=provider_reference)
