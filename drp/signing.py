"""Ed25519 signatures as the DRP uses them (libsodium combined mode through PyNaCl).

A signed request body is base64(signature ‖ JSON). `open_signed` checks the signature with an agent's
verify key and returns the JSON object; everything that goes wrong raises `BadSignedMessage`, which the
API answers with 403 and no body, as the spec asks for a failed validation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import VerifyKey

SIGNATURE_BYTES = 64
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


class BadVerifyKey(ValueError):
    """A verify key that is not 32 bytes of base64 or hex."""


class BadSignedMessage(ValueError):
    """A body that is not base64, not signed by the expected key, or not a JSON object once opened."""


class BadJSON(ValueError):
    """A correctly signed body whose content is not a JSON object (a client error, answered with 400)."""


@dataclass(frozen=True)
class Opened:
    body: dict[str, Any]
    signature_sha256: str  # identifies this exact signed message (replay protection)


def parse_verify_key(text: str) -> bytes:
    """Return the 32 raw bytes of a verify key given in hex (the 0.9 form) or base64 (0.9.1 on)."""
    value = (text or "").strip()
    if _HEX_KEY.match(value):
        raw = bytes.fromhex(value)
    else:
        try:
            raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value
                                   else None, validate=True)
        except (binascii.Error, ValueError):
            raise BadVerifyKey("The verify key is neither hex nor base64.") from None
    if len(raw) != 32:
        raise BadVerifyKey(f"An Ed25519 verify key is 32 bytes; this one is {len(raw)}.")
    try:
        VerifyKey(raw)
    except (CryptoError, ValueError, TypeError):
        raise BadVerifyKey("This is not a usable Ed25519 verify key.") from None
    return raw


def key_as_base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def decode_body(body: bytes) -> bytes:
    """Undo the transport base64 (standard or URL-safe, whitespace and missing padding tolerated)."""
    text = b"".join(body.split())
    if not text:
        raise BadSignedMessage("empty body")
    altchars = b"-_" if b"-" in text or b"_" in text else None
    try:
        raw = base64.b64decode(text + b"=" * (-len(text) % 4), altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        raise BadSignedMessage("not base64") from None
    if len(raw) <= SIGNATURE_BYTES:
        raise BadSignedMessage("too short to hold a signature")
    return raw


def open_signed(body: bytes, *, verify_key: bytes) -> Opened:
    """Check the signature of a DRP body with `verify_key` and return the signed JSON object."""
    signed = decode_body(body)
    try:
        message = VerifyKey(verify_key).verify(signed)
    except (BadSignatureError, CryptoError, ValueError):
        raise BadSignedMessage("signature does not verify") from None
    try:
        parsed = json.loads(message)
    except (ValueError, UnicodeDecodeError):
        raise BadJSON("The signed content is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise BadJSON("The signed content must be a JSON object.")
    return Opened(body=parsed, signature_sha256=hashlib.sha256(signed[:SIGNATURE_BYTES]).hexdigest())
