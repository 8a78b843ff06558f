"""SMS encoding and segment counting (what a message costs), pure.

An SMS body goes out as GSM-7 when every character is in the GSM 03.38 basic table or its
extension table (the extension characters take an escape septet too, so they count two); one
character outside both forces the whole message to UCS-2, which counts UTF-16 code units (an emoji
outside the BMP is two). A single SMS holds 160 septets or 70 units; a longer message is split into
parts of 153 septets or 67 units (the rest carries the concatenation header). Like real encoders,
a part never splits an escape pair or a surrogate pair, so a two-unit character at a boundary
starts the next part.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic character set (0x1B, the escape to the extension table, is not a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Look-alikes that editors and phones slip in, with the GSM-7 character that keeps a message cheap.
GSM7_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2026": "...",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u00b4": "'",
    "`": "'",
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2022": "-",
    "\t": " ",
}


def gsm7_septets(char: str) -> int | None:
    """Septets a character takes in GSM-7 (1 or 2), or None when GSM-7 cannot carry it."""
    if char in GSM7_BASIC:
        return 1
    if char in GSM7_EXTENSION:
        return 2
    return None


def utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def is_gsm7(text: str) -> bool:
    return all(gsm7_septets(ch) is not None for ch in text)


def non_gsm7_positions(text: str) -> list[int]:
    """Indexes (in the Python string) of the characters that force UCS-2, for highlighting."""
    return [i for i, ch in enumerate(text) if gsm7_septets(ch) is None]


def _pack(sizes: list[int], single: int, part: int) -> int:
    """Segments needed for characters of the given unit sizes; a character is never split."""
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


@dataclass(frozen=True)
class SmsCost:
    """What one SMS body costs: its encoding, size in units and the segments it is billed as."""

    encoding: Encoding
    characters: int  # as a person counts them (code points)
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int  # 0 for an empty body
    forced_by: tuple[str, ...] = ()  # distinct characters outside GSM-7, in order of appearance

    @property
    def single_limit(self) -> int:
        return GSM7_SINGLE if self.encoding == "GSM-7" else UCS2_SINGLE

    @property
    def part_limit(self) -> int:
        return GSM7_PART if self.encoding == "GSM-7" else UCS2_PART

    @property
    def capacity(self) -> int:
        """Units the billed segments could hold: how much room is left before the next one."""
        if self.segments <= 1:
            return self.single_limit
        return self.segments * self.part_limit

    def summary(self) -> str:
        """The CLI's one line, e.g. `encoding=GSM-7 segments=1`."""
        return f"encoding={self.encoding} segments={self.segments}"

    def suggestions(self) -> dict[str, str]:
        """For each forcing character with a common GSM-7 look-alike, the replacement."""
        return {ch: GSM7_REPLACEMENTS[ch] for ch in self.forced_by if ch in GSM7_REPLACEMENTS}


def sms_cost(text: str) -> SmsCost:
    if GSM7_BASIC.issuperset(text):  # the usual message, checked at C speed: one septet each
        n = len(text)
        segments = 0 if n == 0 else 1 if n <= GSM7_SINGLE else -(-n // GSM7_PART)
        return SmsCost("GSM-7", n, n, segments)
    return _mixed_cost(text)


def _mixed_cost(text: str) -> SmsCost:
    forced = tuple(dict.fromkeys(ch for ch in text if gsm7_septets(ch) is None))
    if not forced:
        sizes = [gsm7_septets(ch) or 0 for ch in text]
        encoding: Encoding = "GSM-7"
        segments = _pack(sizes, GSM7_SINGLE, GSM7_PART)
    else:
        sizes = [utf16_units(ch) for ch in text]
        encoding = "UCS-2"
        segments = _pack(sizes, UCS2_SINGLE, UCS2_PART)
    return SmsCost(encoding, len(text), sum(sizes), segments, forced)


def describe_char(char: str) -> str:
    """A forcing character named so an operator can find it even when it looks like a space."""
    name = unicodedata.name(char, "")
    shown = char if char.isprintable() and not char.isspace() else ""
    code = f"U+{ord(char):04X}"
    return " ".join(part for part in (shown, code, name.lower()) if part)
