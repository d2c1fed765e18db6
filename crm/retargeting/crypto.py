"""The one place an ad platform's access token is encrypted and decrypted.

Fernet (the cryptography package: AES-128-CBC with an HMAC-SHA256, a timestamp
and a version byte) keyed from the AD_TOKEN_KEY setting. When that setting is
empty the key is derived from SECRET_KEY with HKDF, so development works
without one; production should set its own (changing SECRET_KEY would otherwise
make every saved token unreadable, and a leaked SECRET_KEY would open them).
AD_TOKEN_KEY is either a Fernet key (urlsafe base64 of 32 bytes, as
`Fernet.generate_key()` prints) or any other text, which is derived through HKDF
the same way.
"""

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Says what the derived key is for, so the same secret never keys two things alike.
HKDF_INFO = b"crm.retargeting ad platform access tokens"


class TokenUnreadable(Exception):
    """The saved token was encrypted with another key: save it again."""


def _fernet() -> Fernet:
    configured = getattr(settings, "AD_TOKEN_KEY", "") or ""
    if configured and _is_fernet_key(configured):
        return Fernet(configured.encode())
    material = (configured or settings.SECRET_KEY).encode()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def token_decrypt(encrypted: str) -> str:
    try:
        return _fernet().decrypt(encrypted.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable("The saved token cannot be read with this key.") from None
