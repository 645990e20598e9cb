"""The checkpoint signing key on disk: an Ed25519 private key in a PEM file, mode 0600."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from isoflow.service.audit import Signer, raw_public_key

KEY_MODE = 0o600
"""Permissions of the private key file: the owner reads and writes, nobody else."""


def load_or_create_signer(path: Path) -> Signer:
    """The signer of the key in ``path``, creating the key (mode 0600, exclusively) if absent.

    A key file readable by group or others is refused (:class:`PermissionError`).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        return Signer(_load_private(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    return Signer(key)


def _load_private(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM file whose mode grants nothing to group or others."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PermissionError(f"{path}: key file mode {mode:o} must be 600")
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key")
    return key


def public_key_pem(signer: Signer) -> bytes:
    """The signer's public key as PEM (SubjectPublicKeyInfo), for verifiers."""
    key = Ed25519PublicKey.from_public_bytes(signer.public_key)
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def load_public_key(data: bytes) -> bytes:
    """The raw 32 bytes of an Ed25519 public key given as PEM; :class:`ValueError` otherwise."""
    key = load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return raw_public_key(key)
