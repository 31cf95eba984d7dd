"""Free text from respondents, normalised once, at ingest.

Comments are untrusted: a board member may paste anything, and an export may
carry invisible characters that change how text reads or renders. Ingest
passes every comment through :func:`normalise` before it is stored, so every
later step (redaction, tables, reports, spreadsheets) sees the same clean text:

- Unicode NFC (composed accents), so "é" is one character however it was typed;
- compatibility forms folded where that is safe (NFKC for full-width ASCII such
  as "＠" or "＝", ligatures, mathematical bold/italic letters and odd spaces),
  while "²", "½" or "™" keep their meaning;
- control and format characters removed: null bytes, right-to-left overrides
  and isolates (U+202A–U+202E, U+2066–U+2069), zero-width spaces and joiners,
  soft hyphens, byte-order marks; tabs become spaces, line breaks become "\\n";
- blanks collapsed (runs of spaces, more than one empty line) and the ends trimmed.

Emoji are kept as typed. No font the PDF renderer can rely on draws them, so
:func:`describe_emoji` turns each into a text description ("[emoji: grinning
face]") where Markdown for the reports is produced (``cpsa.report.md.escape``);
tables and spreadsheets keep the emoji. Likewise :func:`break_long_words` adds
break opportunities to very long "words" only in the report Markdown, after
redaction, so that a pasted web address is still recognised and removed.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# a "word" longer than this gets break opportunities; a SHA-256 (64 hex digits) stays
# whole so that it can be copied, and 72 characters still fit the A4 text width
LONG_WORD = 72
BREAK_EVERY = 36
WORD_BREAK = "\u200b"  # zero-width space: a line may break here, nothing is drawn

# compatibility characters that NFKC may fold without changing the meaning
_FOLD_RANGES = (
    (0xFF01, 0xFF5E),  # full-width ASCII: ＠ ＝ ＋ －  Ａ ...
    (0xFB00, 0xFB06),  # ligatures ﬁ ﬂ
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics 𝐁𝐨𝐥𝐝 (used to dodge filters)
    (0xFE50, 0xFE6B),  # small form variants ﹫ ﹦
    (0x2000, 0x200A),  # en/em/thin/hair spaces
)
_SPACES = {"\u00a0", "\u202f", "\u205f", "\u3000", "\t", "\u000b", "\u000c"}
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n\n", "\u0085": "\n"}
_LINE_BREAK_RE = re.compile("|".join(re.escape(k) for k in _LINE_BREAKS))


def _fold(ch: str) -> str:
    cp = ord(ch)
    if ch in _SPACES:
        return " "
    if any(lo <= cp <= hi for lo, hi in _FOLD_RANGES):
        return unicodedata.normalize("NFKC", ch)
    return ch


def _keep(ch: str) -> bool:
    if ch == "\n":
        return True
    cat = unicodedata.category(ch)
    # Cc: controls (null byte, escape, ...); Cf: format (bidi overrides and
    # isolates, zero-width characters, soft hyphen, BOM, tag characters);
    # Cs/Co/Cn: lone surrogates, private use, unassigned
    return cat[0] != "C"


def normalise(text: object) -> object:
    """``text`` cleaned as described in the module docstring; None/NaN unchanged."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return text
    s = str(text)
    if s.isascii() and s.isprintable():  # the common case: nothing to fold or strip
        out = s
    else:
        s = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group(0)], s)
        s = unicodedata.normalize("NFC", s)
        out = "".join(_fold(ch) for ch in s if _keep(ch) or ch in _SPACES)
        out = unicodedata.normalize("NFC", out)
    out = re.sub(r"[ ]+", " ", out)
    out = re.sub(r" ?\n ?", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()


def normalise_series(texts: pd.Series) -> pd.Series:
    """:func:`normalise` over a Series (each distinct text once)."""
    unique = pd.unique(texts.dropna())
    table = {t: normalise(t) for t in unique}
    return texts.map(lambda t: table.get(t, t) if isinstance(t, str) else t)


# --------------------------------------------------------------------------- emoji


_EMOJI_BLOCKS = ((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF))


def _is_emoji(ch: str) -> bool:
    """A pictograph: described in words in the reports, whatever fonts a machine has.

    The rule is by code point, not by font coverage, so that every machine makes
    the same PDF: symbols (category So) of the pictographic planes (faces, hands,
    flags, food, transport, ...) and of the BMP's emoji-style blocks
    (Miscellaneous Technical, Miscellaneous Symbols, Dingbats, Symbols and Arrows).
    """
    cp = ord(ch)
    if cp < 0x2300 or unicodedata.category(ch) != "So":
        return False
    return cp >= 0x1F000 or any(lo <= cp <= hi for lo, hi in _EMOJI_BLOCKS)


_EMOJI_PARTS = {0xFE0E, 0xFE0F, 0x200D, 0x20E3}  # variation selectors, joiner, keycap


def describe_emoji(text: str) -> str:
    """Each emoji as ``[emoji: <Unicode name>]`` (lower case); skin tones folded in.

    "Great work 👍🏽" -> "Great work [emoji: thumbs up sign]". A pair of regional
    indicators (a flag) reads "[emoji: flag GB]".
    """
    if text.isascii():
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        cp = ord(ch)
        if 0x1F1E6 <= cp <= 0x1F1FF:  # regional indicator letters: flags come in pairs
            letters = ""
            while i < n and 0x1F1E6 <= ord(text[i]) <= 0x1F1FF and len(letters) < 2:
                letters += chr(ord(text[i]) - 0x1F1E6 + ord("A"))
                i += 1
            out.append(f"[emoji: flag {letters}]")
            continue
        if 0x1F3FB <= cp <= 0x1F3FF or 0xE0000 <= cp <= 0xE007F or cp in _EMOJI_PARTS:
            i += 1  # skin-tone modifiers and glue belong to the emoji before them
            continue
        if _is_emoji(ch):
            name = unicodedata.name(ch, "symbol").lower()
            out.append(f"[emoji: {name}]")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


# --------------------------------------------------------------------------- long words

_LONG_WORD_RE = re.compile(rf"\S{{{LONG_WORD + 1},}}")


def break_long_words(text: str, *, mark: str = WORD_BREAK, every: int = BREAK_EVERY) -> str:
    """Every run of more than ``LONG_WORD`` non-blank characters gets ``mark`` every ``every``.

    A 3,000-character "word" then wraps on the page instead of running off it;
    with the default zero-width space nothing visible is added.
    """

    def split(m: re.Match[str]) -> str:
        w = m.group(0)
        return mark.join(w[k : k + every] for k in range(0, len(w), every))

    return _LONG_WORD_RE.sub(split, text)
