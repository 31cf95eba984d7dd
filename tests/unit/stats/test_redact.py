"""Comment redaction: emails, UK phone numbers and links; nothing else touched."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpsa.stats.redact import EMAIL_MARK, LINK_MARK, PHONE_MARK, redact, redact_series


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email jo.bloggs@fife.gov.uk please", f"Email {EMAIL_MARK} please"),
        ("write to a.b+cpp@example.org.", f"write to {EMAIL_MARK}."),
        ("call 0131 496 0000 today", f"call {PHONE_MARK} today"),
        ("mobile 07700 900123", f"mobile {PHONE_MARK}"),
        ("or 07700900123", f"or {PHONE_MARK}"),
        ("ring +44 7700 900123", f"ring {PHONE_MARK}"),
        ("ring +44 (0)131 496 0000", f"ring {PHONE_MARK}"),
        ("tel (0131) 496-0000", f"tel {PHONE_MARK}"),
        ("Please call me on 01632 960123 to talk", f"Please call me on {PHONE_MARK} to talk"),
        ("see https://example.org/cpp/proposal.", f"see {LINK_MARK}."),
        ("see www.gov.scot/publications now", f"see {LINK_MARK} now"),
        ("see fife.gov.uk", f"see {LINK_MARK}"),
    ],
)
def test_contact_details_are_removed(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We met 10 times in 2025 and 300 people came.",
        "The budget is 1,000,000 and rising.",
        "Scores rose from 0.5 to 0.75.",
        "Meeting at 10:30 on 01/02/2026.",
        "Partners e.g. NHS, police.",
    ],
)
def test_ordinary_text_is_untouched(text):
    assert redact(text) == text


def test_missing_text_stays_missing_and_series_counts():
    assert redact(None) is None
    out, counts = redact_series(pd.Series(["a@b.com", "fine", None]))
    assert list(out[:2]) == [EMAIL_MARK, "fine"] and pd.isna(out[2])
    assert (counts.comments, counts.redacted) == (2, 1)


user = st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,5})?", fullmatch=True)
host = st.from_regex(r"[a-z]{2,8}\.(org|com|gov\.uk|scot)", fullmatch=True)
digits = st.from_regex(r"07[0-9]{3} [0-9]{6}", fullmatch=True)


@given(user, host, digits, st.text(alphabet="abc ", max_size=20))
def test_generated_contacts_never_survive_and_redaction_is_idempotent(u, h, phone, filler):
    text = f"{filler} {u}@{h} {filler} {phone} {filler}"
    out = redact(text)
    assert "@" not in out and phone not in out and h not in out
    assert redact(out) == out
