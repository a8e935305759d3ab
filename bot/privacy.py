"""Nothing that identifies a resident is stored: user ids are salted hashes, numbers are masked."""

from __future__ import annotations

import hashlib
import hmac
import re

# 18-digit ID-card numbers (the last may be X), 11-digit mobile numbers, and bank-card-like runs of
# 12–19 digits, possibly grouped by spaces or dashes. Short numbers (80岁, 2026年) stay.
_ID_CARD = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9xX](?![0-9a-zA-Z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])")

ID_CARD_MASK = "[身份证号]"
MOBILE_MASK = "[手机号]"
CARD_MASK = "[卡号]"


def mask_numbers(text: str) -> str:
    """``text`` with ID-card, mobile and bank-card numbers replaced by placeholders."""
    text = _ID_CARD.sub(ID_CARD_MASK, text)
    text = _MOBILE.sub(MOBILE_MASK, text)
    return _CARD.sub(CARD_MASK, text)


def hash_user(user_id: int | str, salt: str) -> str:
    """A salted, keyed hash of a user id: the same person maps to the same value, irreversibly."""
    digest = hmac.new(salt.encode("utf-8"), str(user_id).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]
