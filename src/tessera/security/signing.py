"""Ed25519 signatures for ledger checkpoints: load the server's seed, sign, verify."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tessera.security.keyfiles import read_secret_file

SEED_BYTES = 32


class SigningKeyError(ValueError):
    """The signing key file is missing or does not hold a 32-byte Ed25519 seed."""


def signing_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from its 32-byte seed.

    Raises:
        SigningKeyError: the seed is not exactly 32 bytes.
    """
    if len(seed) != SEED_BYTES:
        raise SigningKeyError(f"an Ed25519 seed is exactly {SEED_BYTES} bytes, not {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read the seed file (mode 0600, created by `tessera init`) and return the key.

    Raises:
        SigningKeyError: the file is missing or malformed.
        PermissionError: others can read or write the file.
    """
    if not path.exists():
        raise SigningKeyError(f"no ledger signing key ({path.name}); run `tessera init` first")
    return signing_key_from_seed(read_secret_file(path))


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key, base64-encoded."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """The 64-byte signature of `message`, base64-encoded."""
    return base64.b64encode(key.sign(message)).decode("ascii")


def verify(public_key: str, message: bytes, signature: str) -> bool:
    """Whether `signature` (base64) is a valid signature of `message` by `public_key` (base64).

    Malformed keys or signatures count as invalid; this never raises on bad input.
    """
    try:
        raw_key = base64.b64decode(public_key, validate=True)
        raw_sig = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_sig, message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
