"""Encryption at rest for provider keys, keyed by the app's secret.

Fernet (AES-128-CBC + HMAC-SHA256) with its key derived from the app secret by HKDF-SHA256,
under a purpose label: the same secret signs tokens elsewhere, and a derived key keeps the
two uses apart. Changing the app secret makes stored keys unreadable (they must be re-entered).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSE = b"hearth/llm-provider-api-keys/v1"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted: the app secret changed or the data is corrupt."""


class SecretBox:
    def __init__(self, app_secret: str) -> None:
        if not app_secret:
            raise ValueError("an app secret is required to encrypt provider keys")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
            app_secret.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def __repr__(self) -> str:
        return "SecretBox(***)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise SecretUnreadable("stored provider key cannot be decrypted") from None
