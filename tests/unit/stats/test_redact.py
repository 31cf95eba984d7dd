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


# ------------------------------------------------------------ issue 16.14 / 16.15

from cpsa.stats.redact import NAME_MARK, PARTNERSHIP_MARK, Redaction, read_names_file  # noqa: E402


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to j.smith at fife dot gov dot uk please", f"write to {EMAIL_MARK} please"),
        ("jsmith (at) fife (dot) gov (dot) uk", EMAIL_MARK),
        ("jo [at] example [dot] org", EMAIL_MARK),
        ("or jo\uff20example.org today", f"or {EMAIL_MARK} today"),  # full-width @
        ("see bit.ly/3xYz now", f"see {LINK_MARK} now"),
        ("see t.co/abc.", f"see {LINK_MARK}."),
        ("at example.org/x and shorturl.at/abc", f"at {LINK_MARK} and {LINK_MARK}"),
        ('=HYPERLINK("http://evil")', f'=HYPERLINK("{LINK_MARK}")'),
        ("the chair, Councillor Jane Smith, led", f"the chair, Councillor {NAME_MARK}, led"),
        ("Cllr McDonald and Mrs O'Neil-Brown", f"Cllr {NAME_MARK} and Mrs {NAME_MARK}"),
        ("Dr. J. Smith", f"Dr. {NAME_MARK}"),
        ("Chair: Jo Bloggs", f"Chair: {NAME_MARK}"),
        ("Lord Provost Smith", f"Lord Provost {NAME_MARK}"),
        ("Chief Superintendent Ann Lee", f"Chief Superintendent {NAME_MARK}"),
        ("the Chief Executive Mr Ross", f"the Chief Executive Mr {NAME_MARK}"),
        ("the Chair Jane Smith's idea", f"the Chair {NAME_MARK}'s idea"),
    ],
)
def test_more_contacts_and_titled_names_are_removed(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We looked at the plan",
        "We miss Jane",  # "miss" is a verb here
        "The Chair and Vice Chair attended",
        "the Chief Executive Officer reported",
        "Director of Education",
        "Chief Executive Fife Council",
        "The Council Leader NHS Fife",
        "Dr A",
        "Meet at 10 dot 30",
        "and/or e.g./i.e. 1.5/2",
    ],
)
def test_ordinary_capitalised_words_are_kept(text):
    assert redact(text) == text


@pytest.fixture(scope="module")
def redaction():
    from cpsa.config import get_paths

    class Cfg:  # only the two attributes Redaction.for_round reads
        board_members = None
        round = "test"

    base = Redaction.for_round(Cfg(), get_paths())
    return Redaction(base.cpp_names, ("Hamish Wee", "Alasdair MacLeod"))


@pytest.mark.parametrize(
    ("own", "text", "expected"),
    [
        ("fife", "unlike Angus and Moray, Fife did well", "unlike {P} and {P}, Fife did well"),
        ("fife", "Fife Partnership and FIFE", "Fife Partnership and FIFE"),
        ("fife", "ARGYLL AND BUTE, Argyll & Bute", "{P}, {P}"),
        ("renfrewshire", "Renfrewshire, East Renfrewshire", "Renfrewshire, {P}"),
        ("east-renfrewshire", "Renfrewshire, East Renfrewshire", "{P}, East Renfrewshire"),
        ("fife", "Na h-Eileanan Siar and Shetland", "{P} and {P}"),
        ("fife", "Chief Executive Angus Council", "Chief Executive {P} Council"),
        (
            "fife",
            "Hamish Wee spoke; H. Wee agreed; hamish  wee too",
            "{N} spoke; {N} agreed; {N} too",
        ),
        ("fife", "Wee changes to Shetland ponies", "Wee changes to {P} ponies"),
    ],
)
def test_names_file_and_other_partnerships(redaction, own, text, expected):
    want = expected.format(P=PARTNERSHIP_MARK, N=NAME_MARK)
    assert redaction.text(text, own=own) == want
    assert redaction.text(want, own=own) == want  # idempotent


def test_names_file_reading_and_missing_file_is_an_error(tmp_path):
    from cpsa.config import Paths
    from cpsa.errors import ConfigError

    f = tmp_path / "names.txt"
    f.write_text(
        "# board\nJane Smith\n\nJ\nJane Smith\n  Hamish   Wee  # chair\n", encoding="utf-8"
    )
    assert read_names_file(f) == ("Jane Smith", "Hamish Wee")

    class Cfg:
        board_members = "missing.txt"
        round = "test"

    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "cpps.csv").write_text("slug,name\nfife,Fife\n")
    with pytest.raises(ConfigError, match="board_members"):
        Redaction.for_round(Cfg(), Paths(root=tmp_path))


def test_comments_frame_is_redacted_per_cpp(redaction):
    frame = pd.DataFrame(
        {"theme": ["t1", "t1"], "kind": ["strengths", "strengths"], "text": ["Moray rocks", "ok"]}
    )
    out = redaction.comments(frame, own="fife")
    assert list(out["text"]) == [f"{PARTNERSHIP_MARK} rocks", "ok"]
