"""Issue 16.16: respondents' free text normalised once, at ingest (cpsa.data.text)."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpsa.data.text import LONG_WORD, WORD_BREAK, break_long_words, describe_emoji, normalise


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("null\x00byte", "nullbyte"),
        ("safe \u202etxet.exe\u202c text", "safe txet.exe text"),  # RTL override
        ("\u2066isolate\u2069 \u200emark\u200f", "isolate mark"),
        ("zero\u200bwidth\u200d join\ufeff soft\u00adhyphen", "zerowidth join softhyphen"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC
        ("\uff20fife \uff1d1\uff0b1 \uff0dx", "@fife =1+1 -x"),  # full-width folded
        (
            "\U0001d401\U0001d428\U0001d425\U0001d41d \ufb01ne",
            "Bold fine",
        ),  # maths letters, ligature
        ("m\u00b2 \u00bd \u2122", "m\u00b2 \u00bd \u2122"),  # meaningful compatibility forms kept
        ("a\u00a0b\u2003c\td", "a b c d"),
        ("one\r\ntwo\rthree\n\n\n\nfour", "one\ntwo\nthree\n\nfour"),
        ("  padded  ", "padded"),
        ("plain ascii, unchanged.", "plain ascii, unchanged."),
        ("emoji \U0001f600 kept", "emoji \U0001f600 kept"),
    ],
)
def test_normalise(raw, clean):
    assert normalise(raw) == clean


def test_missing_stays_missing():
    assert normalise(None) is None
    assert pd.isna(normalise(float("nan")))


@given(st.text())
def test_normalised_text_holds_no_control_or_format_character_and_is_idempotent(text):
    out = normalise(text)
    assert all(ch == "\n" or unicodedata.category(ch)[0] != "C" for ch in out)
    assert normalise(out) == out


def test_emoji_are_described_in_words():
    assert describe_emoji("Great \U0001f44d\U0001f3fd work \U0001f600") == (
        "Great [emoji: thumbs up sign] work [emoji: grinning face]"
    )
    assert describe_emoji("\U0001f1ec\U0001f1e7") == "[emoji: flag GB]"
    assert describe_emoji("\u2705 done") == "[emoji: white heavy check mark] done"
    assert describe_emoji("caf\u00e9 \u00b2 \u2122 \u2013") == "caf\u00e9 \u00b2 \u2122 \u2013"


def test_long_words_get_break_points_and_keep_every_character():
    word = "x" * 3000
    out = break_long_words(word)
    assert out.replace(WORD_BREAK, "") == word
    assert max(len(p) for p in out.split(WORD_BREAK)) <= LONG_WORD
    assert break_long_words("a" * LONG_WORD) == "a" * LONG_WORD
