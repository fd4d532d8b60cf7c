"""Global ids and event cursors made opaque, so that they do not tell how many rows
exist.

Primary keys are global sequences: a plain "Type:pk" would let a user count another
workspace's deals, and gaps between event cursors would show activity on deals hidden
from them. An id is one AES block (a keyed permutation: deterministic, so ids stay
stable) over (type tag, pk, zeros), encrypted under a key derived from the
`SECRET_KEY` setting, as 22 URL-safe base64 characters. Decoding is one block
decryption; a forged or foreign id decrypts to a block whose seven zero bytes do not
match (a chance of 2^-56) and names nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Primary keys are 32-bit: a larger number names nothing (and PostgreSQL would refuse it).
MAX_PK = 2**31 - 1
# The tag of each kind of id (append only: a tag's meaning never changes).
TYPE_TAGS = {
    name: tag
    for tag, name in enumerate(
        (
            "User",
            "Process",
            "Stage",
            "Step",
            "Deal",
            "DealEvent",
            "Task",
            "AccessRequest",
            "Notification",
            "EventCursor",
            "NotificationCursor",
            "AccessRequestCursor",
            "Product",
            "Lead",
            "LeadCursor",
            "Activity",
            "DisplayToken",
            "Webhook",
            "WebhookDelivery",
            "Workspace",
            "WebhookEvent",
            "WebhookDeliveryCursor",
            "LeadForm",
        ),
        start=1,
    )
}
_TYPE_NAMES = {tag: name for name, tag in TYPE_TAGS.items()}
_CHECK = bytes(7)
_ENCODED_LENGTH = 22  # 16 bytes in base64 without padding


class _Keys:
    cipher: Cipher[modes.ECB] | None = None
    box: AESGCM | None = None


def use_secret(secret: str) -> None:
    """Encode and decode ids under `secret` from now on (the app does this at start-up
    from the `SECRET_KEY` setting, or the key kept in `STORAGE_DIR`)."""
    key = hashlib.sha256(b"dealflow global ids\x00" + secret.encode()).digest()
    # One block at a time: ECB over a single block is the block cipher itself, a keyed
    # permutation, which is what an opaque, stable, decodable id needs.
    _Keys.cipher = Cipher(algorithms.AES(key), modes.ECB())
    _Keys.box = AESGCM(hashlib.sha256(b"dealflow stored secrets\x00" + secret.encode()).digest())
    _encoded.cache_clear()
    _decoded.cache_clear()


def _box() -> AESGCM:
    if _Keys.box is None:
        _cipher()
    assert _Keys.box is not None
    return _Keys.box


def encrypt_secret(text: str) -> str:
    """A secret the service must use again (a webhook's signing key), as stored: AES-GCM
    under a key derived from `SECRET_KEY`, so that a copy of the database alone does not
    let anyone sign as Dealflow. Changing `SECRET_KEY` makes stored secrets unreadable:
    rotate them then."""
    nonce = os.urandom(12)
    sealed = _box().encrypt(nonce, text.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_secret(stored: str) -> str | None:
    """The secret `encrypt_secret` stored; None when it cannot be read (another key)."""
    try:
        raw = base64.urlsafe_b64decode(stored.encode())
        return _box().decrypt(raw[:12], raw[12:], None).decode()
    except (ValueError, binascii.Error, InvalidTag):
        return None


def _cipher() -> Cipher[modes.ECB]:
    if _Keys.cipher is None:
        # Not started by the app (a command, a benchmark's client): the same settings.
        from server.settings import Settings

        use_secret(Settings.from_env().id_secret())
    assert _Keys.cipher is not None
    return _Keys.cipher


# Ids are encoded for every object of every answer, and for every event to every group
# of subscribers: a cache keeps that to a dictionary lookup for the rows in use.
@lru_cache(maxsize=65536)
def _encoded(tag: int, pk: int) -> str:
    block = bytes([tag]) + pk.to_bytes(8, "big") + _CHECK
    encryptor = _cipher().encryptor()
    sealed = encryptor.update(block) + encryptor.finalize()
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


# And every id a request names is decoded: a block decryption is an OpenSSL context
# each time (some 10 µs), for the same few ids again and again (a board's process).
@lru_cache(maxsize=65536)
def _decoded(raw: str) -> tuple[int, int] | None:
    if len(raw) != _ENCODED_LENGTH or not raw.isascii():
        return None
    try:
        sealed = base64.urlsafe_b64decode(raw + "==")
    except (binascii.Error, ValueError):
        return None
    if len(sealed) != 16:
        return None
    decryptor = _cipher().decryptor()
    block = decryptor.update(sealed) + decryptor.finalize()
    pk = int.from_bytes(block[1:9], "big")
    if block[9:] != _CHECK or not 0 < pk <= MAX_PK:
        return None
    return block[0], pk


def seal(type_name: str, pk: int) -> str:
    """The opaque text for (type name, primary key)."""
    return _encoded(TYPE_TAGS[type_name], pk)


def unseal(raw: str) -> tuple[str, int] | None:
    """The (type name, primary key) behind an opaque text, or None if it is not ours."""
    decoded = _decoded(raw)
    if decoded is None or decoded[0] not in _TYPE_NAMES:
        return None
    return _TYPE_NAMES[decoded[0]], decoded[1]
