"""Encryption at rest of personal fields, and blind indexes to find rows without decrypting them."""

from workbench.crypto.fields import BlindIndex, FieldCipher
from workbench.crypto.keyring import Keyring, load_keyring

__all__ = ["BlindIndex", "FieldCipher", "Keyring", "load_keyring"]
