"""Redaction of free-text comments before they can reach a report.

Board members sometimes put contact details in comments ("email me at ...",
"call 0131 496 0000", a link to a document). Those are replaced by a marker
(``[email removed]``, ``[phone number removed]``, ``[link removed]``) in
``cpsa tables``; the processed data keeps the text as written. Emails go
first so that the domain of an address is not mistaken for a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

EMAIL_MARK = "[email removed]"
PHONE_MARK = "[phone number removed]"
LINK_MARK = "[link removed]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+\s*(?:@|\(at\)|\[at\])\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TLDS = r"(?:co\.uk|org\.uk|gov\.uk|ac\.uk|nhs\.uk|gov\.scot|com|org|net|scot|uk|info|io|eu)"
_URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+"
    rf"|\b(?:[A-Za-z0-9-]+\.)+{_TLDS}\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
# a candidate: +44 or 0 start, then digits with spaces, dots, hyphens or brackets
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?44\s?(?:\(0\)\s?)?|\(?0)[\d\s().-]{7,16}\d(?!\w)")
_TRAILING_PUNCT = ".,;:!?)"


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        digits = digits[2:]  # country code 44
        if digits.startswith("0"):  # +44 (0)131 ...
            digits = digits[1:]
        ok = 9 <= len(digits) <= 10
    else:
        ok = 10 <= len(digits) <= 11
    return PHONE_MARK if ok else text


def _link(match: re.Match[str]) -> str:
    text = match.group(0)
    stripped = text.rstrip(_TRAILING_PUNCT)  # keep the sentence's full stop
    return LINK_MARK + text[len(stripped) :]


def redact(text: str | None) -> str | None:
    """``text`` with emails, UK phone numbers and web addresses replaced by markers."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return text
    out = str(text)
    # cheap guards: most comments hold no '@', '.' or digit, and regexes cost more
    if "@" in out or "(at)" in out or "[at]" in out:
        out = _EMAIL.sub(EMAIL_MARK, out)
    if "." in out:
        out = _URL.sub(_link, out)
    if any(ch.isdigit() for ch in out):
        out = _PHONE.sub(_phone, out)
    return out


@dataclass(frozen=True)
class RedactionCounts:
    """How many comments had something removed (for the log; never the text)."""

    comments: int
    redacted: int


def redact_series(texts: pd.Series) -> tuple[pd.Series, RedactionCounts]:
    """Redact every comment of a Series; returns the new Series and counts."""
    # comments repeat (e.g. "None", "N/A"): redact each distinct text once
    unique = pd.unique(texts.dropna())
    table = {t: redact(t) for t in unique}
    out = texts.map(table)
    changed = int((out.fillna("") != texts.fillna("")).sum())
    return out, RedactionCounts(comments=int(texts.notna().sum()), redacted=changed)
