"""Booking codes: short, typeable, with no characters that look alike."""
import re
import secrets

# No 0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V: a code read aloud or from a
# phone screen cannot be mistyped into another valid code.
ALPHABET = "ACEFHJKMNPRTWXY3479"
LENGTH = 6
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """Return a random booking code (19^6 ≈ 47 million possibilities)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """Return the code as stored (upper case, no spaces or dashes), or None if it cannot be one."""
    code = _SEPARATORS.sub("", (text or "").upper())
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    """Return the code grouped for reading: ``ACE-379``."""
    return f"{code[:3]}-{code[3:]}" if len(code) == LENGTH else code
