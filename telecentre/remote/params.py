"""Parameters of vetted actions: typed, bounded, limited to safe characters.

Values arrive as text (a form, ``--param k=v``) or JSON scalars. Each
parameter cleans its value or raises :class:`ParamError`; an action collects
those into :class:`InvalidParameters`. Messages are English msgids with
``%(name)s`` placeholders, marked with :func:`N_` and translated where they
are shown (this module has no Flask).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import netaddr


def N_(text: str) -> str:
    """Mark *text* for the translation catalogue; translated when displayed."""
    return text


class ParamError(ValueError):
    """One parameter refused: ``message % values`` says why (translatable)."""

    def __init__(self, name: str, message: str, **values):
        super().__init__(message % values if values else message)
        self.name, self.message, self.values = name, message, values


class InvalidParameters(ValueError):
    """All the refusals for one action, keyed by parameter name."""

    def __init__(self, errors: list[ParamError]):
        super().__init__("; ".join(f"{e.name}: {e}" for e in errors))
        self.errors = {e.name: e for e in errors}


@dataclass(frozen=True)
class Param:
    """A text parameter matching *pattern* in full, at most *max_length* long."""

    name: str
    label: str
    pattern: str = r"[A-Za-z0-9._-]+"
    hint: str = N_("Use letters, digits, dots, dashes and underscores only.")
    max_length: int = 64
    required: bool = False
    default: object = None
    forbidden: tuple[str, ...] = field(default_factory=tuple)

    def clean(self, raw):
        """Return the cleaned value, the default when empty, or raise ParamError."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.required:
                raise ParamError(self.name, N_("%(label)s is required."), label=self.label)
            return self.default
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            raise ParamError(self.name, N_("%(label)s must be text."), label=self.label)
        return self._clean_text(str(raw).strip())

    def _clean_text(self, text: str):
        if len(text) > self.max_length:
            raise ParamError(self.name, N_("%(label)s may be at most %(max)s characters long."),
                             label=self.label, max=self.max_length)
        if not re.fullmatch(self.pattern, text):
            raise ParamError(self.name, self.hint, label=self.label)
        if text.lower() in self.forbidden:
            raise ParamError(self.name, N_("%(label)s may not be %(value)s."),
                             label=self.label, value=text)
        return text


@dataclass(frozen=True)
class IntParam(Param):
    """A whole number between *minimum* and *maximum* inclusive."""

    minimum: int = 0
    maximum: int = 0

    def _clean_text(self, text: str):
        if not re.fullmatch(r"-?[0-9]{1,9}", text):
            raise ParamError(self.name, N_("%(label)s must be a whole number."),
                             label=self.label)
        value = int(text)
        if not self.minimum <= value <= self.maximum:
            raise ParamError(self.name, N_("%(label)s must be between %(min)s and %(max)s."),
                             label=self.label, min=self.minimum, max=self.maximum)
        return value


@dataclass(frozen=True)
class HostParam(Param):
    """An IP address or a DNS host name (RFC 1123), nothing else."""

    max_length: int = 253
    hint: str = N_("%(label)s must be an IP address or a host name.")

    def _clean_text(self, text: str):
        if len(text) > self.max_length:
            raise ParamError(self.name, self.hint, label=self.label)
        try:
            return str(netaddr.IPAddress(text, flags=netaddr.INET_PTON))
        except (netaddr.AddrFormatError, ValueError):
            pass
        label = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
        if re.fullmatch(rf"{label}(\.{label})*\.?", text) and not text[0].isdigit():
            return text.lower()
        raise ParamError(self.name, self.hint, label=self.label)


# Text that may reach a user's screen: letters of any alphabet (Polish
# diacritics), digits, spaces and plain punctuation. No quotes, no $, no
# backslash, no newline: nothing a shell or PowerShell would interpret.
MESSAGE_PATTERN = r"[\w .,:;!?()/-]+"
MESSAGE_HINT = N_("%(label)s may hold letters, digits, spaces and . , : ; ! ? ( ) / - only.")
# A PEP 440 release, optionally a pre-release: 1.4.0, 2.0.0rc1, 1.10.3b2.
VERSION_PATTERN = r"[0-9]{1,4}(\.[0-9]{1,4}){1,3}((a|b|rc)[0-9]{1,3})?"
VERSION_HINT = N_("%(label)s must look like 1.4.2 (digits and dots, optionally a1, b1, rc1).")
# A local account name, as useradd and Windows both accept it.
ACCOUNT_PATTERN = r"[a-z_][a-z0-9_-]{0,31}"
ACCOUNT_HINT = N_("%(label)s must be a local account name (lower-case letters, digits, - and _).")
# Accounts a profile clean-up must never touch.
PRIVILEGED_ACCOUNTS = ("root", "administrator", "admin", "daemon", "system", "it")
