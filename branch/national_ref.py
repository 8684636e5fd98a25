"""The sealed national number a kiosk captures for a ticket (`Ticket.national_ref`).

DESIGN §7: the branch keeps no national number at rest. The kiosk's optional step must
still let the counter that calls the ticket look the person up at central, so the number is
sealed under the branch secret (`branch.secret`, mode 0600 in `TABOUR_HOME`): readable by
the branch's own processes, useless to anyone who copies the database without the key, and
erased at day close by the engine.

Construction (standard library only): a random 16-byte nonce; the keystream is
HMAC-SHA256(k_enc, nonce ‖ block counter) (a PRF in counter mode); the tag is
HMAC-SHA256(k_mac, version ‖ nonce ‖ ciphertext) truncated to 16 bytes (encrypt-then-MAC);
k_enc and k_mac are derived from the branch secret for this purpose only. A token is
`nr1.` + urlsafe base64 (no padding). Equal numbers seal to different tokens; a token
altered or sealed under another branch's key does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from branch.secret import keyed_hash

PREFIX = "nr1."
_NONCE = 16
_TAG = 16


def _keys(secret: bytes) -> tuple[bytes, bytes]:
    enc = bytes.fromhex(keyed_hash(secret, "national_ref", "encrypt"))
    mac = bytes.fromhex(keyed_hash(secret, "national_ref", "authenticate"))
    return enc, mac


def _stream(key: bytes, nonce: bytes, n: int) -> bytes:
    out = b""
    block = 0
    while len(out) < n:
        out += hmac.new(key, nonce + block.to_bytes(4, "big"), hashlib.sha256).digest()
        block += 1
    return out[:n]


def seal(value: str, secret: bytes) -> str:
    """A token for `value` (a national number) that only this branch's key opens."""
    enc, mac = _keys(secret)
    nonce = secrets.token_bytes(_NONCE)
    plain = value.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(enc, nonce, len(plain)), strict=True))
    tag = hmac.new(mac, PREFIX.encode() + nonce + cipher, hashlib.sha256).digest()[:_TAG]
    return PREFIX + base64.urlsafe_b64encode(nonce + cipher + tag).decode().rstrip("=")


def open_sealed(token: str | None, secret: bytes) -> str | None:
    """The sealed value, or None for no token, a damaged one, or another key's."""
    if not token or not token.startswith(PREFIX):
        return None
    body = token[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) < _NONCE + _TAG + 1:
        return None
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    enc, mac = _keys(secret)
    want = hmac.new(mac, PREFIX.encode() + nonce + cipher, hashlib.sha256).digest()[:_TAG]
    if not hmac.compare_digest(tag, want):
        return None
    plain = bytes(a ^ b for a, b in zip(cipher, _stream(enc, nonce, len(cipher)), strict=True))
    try:
        return plain.decode()
    except UnicodeDecodeError:
        return None


__all__ = ["PREFIX", "open_sealed", "seal"]
