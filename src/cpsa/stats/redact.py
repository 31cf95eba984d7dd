"""Redaction of free-text comments before they can reach a report.

Board members sometimes put contact details or names in comments ("email me
at ...", "call 0131 496 0000", "the chair, Councillor Jane Smith, ...").
``cpsa tables`` replaces each with a marker; the processed data keeps the text
as written (normalised, see :mod:`cpsa.data.text`). What is removed:

- email addresses, also written "j.smith at fife dot gov dot uk",
  "j.smith (at) fife (dot) gov (dot) uk" or with a full-width "＠" -> ``[email removed]``;
- UK phone numbers -> ``[phone number removed]``;
- web addresses: ``http(s)://``, ``www.``, a domain with a known ending
  (``fife.gov.uk``, ``bit.ly``, ``t.co``) and any ``domain.tld/path``
  (``example.org/x``) -> ``[link removed]``;
- a capitalised name after a title or role (Councillor/Cllr, Mr, Mrs, Ms,
  Miss, Mx, Dr, Prof, Sir, Dame, Lord, Lady, Rev, Chief Executive, Chair,
  Convener, Provost, Bailie, Leader, Director, police ranks ...): the title
  stays, the name goes -> "Councillor [name removed]";
- the names listed in the round's optional board-members file
  (``board_members`` in round.yaml, one name per line), full name or initial
  and surname, any case -> ``[name removed]``;
- the name (or an alias) of any other Community Planning Partnership ->
  ``[another partnership]``; the CPP's own name stays.

Redaction is conservative about names: an ordinary capitalised word is only
removed when it follows a title, and words such as "Council", "Partnership",
"Police", "Scotland" or a CPP name never count as a person's name.
Emails go first so that the domain of an address is not mistaken for a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cpsa.data.text import normalise

if TYPE_CHECKING:
    from cpsa.config import Paths, RoundConfig

EMAIL_MARK = "[email removed]"
PHONE_MARK = "[phone number removed]"
LINK_MARK = "[link removed]"
NAME_MARK = "[name removed]"
PARTNERSHIP_MARK = "[another partnership]"
MARKS = (EMAIL_MARK, PHONE_MARK, LINK_MARK, NAME_MARK, PARTNERSHIP_MARK)

# ---------------------------------------------------------------- emails and links

_TLDS = (
    r"(?:co\.uk|org\.uk|gov\.uk|ac\.uk|nhs\.uk|police\.uk|sch\.uk|gov\.scot|nhs\.scot"
    r"|com|org|net|scot|uk|info|io|eu|gov|edu|biz|co|me|ly|gl|gd|gy|app|dev|ai|ie|us|tv"
    r"|link|site|online|page)"
)
_AT = r"(?:\s*(?:@|\(at\)|\[at\]|\{at\})\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*(?:\(dot\)|\[dot\]|\{dot\})\s*|\s+dot\s+)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LOCAL = r"[A-Za-z0-9._%+'-]+"
# real "@": any domain; spelt-out "at"/"dot": the domain must end in a known ending
_EMAIL = re.compile(rf"{_LOCAL}\s*(?:@|\(at\)|\[at\]|\{{at\}})\s*{_LABEL}(?:{_DOT}{_LABEL})+")
_TLDS_SPELT = _TLDS.replace(r"\.", _DOT)
_EMAIL_SPELT = re.compile(
    rf"\b(?P<local>{_LOCAL}){_AT}(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLDS_SPELT})\b",
    re.IGNORECASE,
)
_SPELT_DOT = re.compile(r"\s+dot\s+|\((?:dot)\)|\[dot\]|\{dot\}", re.IGNORECASE)


def _spelt_email(match: re.Match[str]) -> str:
    """An address written out ("j.smith at fife dot gov dot uk"); "looked at fife.gov.uk" is not."""
    if _SPELT_DOT.search(match["domain"]) or re.search(r"[._\d]", match["local"]):
        return EMAIL_MARK
    return match.group(0)


_URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+"
    r"|\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}/[^\s<>\"']*"  # domain.tld/path: a link whatever the tld
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


# ---------------------------------------------------------------- titled names

# short honorifics: only with a capital ("Miss Jane Smith", not "we miss Jane")
_HONORIFICS = r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Rev|Revd|Reverend|Father"
# roles: any case, and "the chair, Jane Smith" (a comma) too
_ROLES = (
    r"councillor|cllr|chief\s+executive|chief\s+officer|chief\s+constable"
    r"|chief\s+superintendent|chief\s+inspector|superintendent|supt|inspector|insp"
    r"|sergeant|sgt|constable|commander|chair|chairperson|chairman|chairwoman"
    r"|vice[\s-]chair|convener|convenor|vice[\s-]convener|depute\s+provost|lord\s+provost"
    r"|provost|bailie|leader|council\s+leader|director|head\s+teacher|headteacher"
    r"|minister|msp|mp"
)
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
_LOWER = "a-zß-öø-ÿā-ž"
# a name word: "Jane", "McDonald", "O'Neil", "Smith-Jones", "J." / "J"
_NAME_WORD = (
    rf"(?:[{_UPPER}](?:['’][{_UPPER}])?[{_LOWER}]+(?:-?[{_UPPER}]?[{_LOWER}]+|['’][{_UPPER}][{_LOWER}]+)*"
    rf"|[{_UPPER}]\.?(?![\w']))"
)
_TITLED = re.compile(
    rf"(?P<title>\b(?:(?:{_HONORIFICS})\.?|(?i:{_ROLES})\b\.?[,:]?))"
    rf"(?P<names>(?:\s+{_NAME_WORD}){{1,3}})"
)
# capitalised words that are never a person's name after a title
STOP_WORDS = frozenset(
    """
    A An And As At But By For From He Her His I If In Is It Its Of On Or Our She So
    That The Their Then There These They This To We Was Were Who With You Your
    Council Councils Partnership Partnerships Board Boards Group Groups Team Teams Committee
    Committees Forum Meeting Meetings Scotland Scottish Government NHS Police Fire Rescue
    Service Services Office Officer Officers Executive Executives Report Reports Plan Plans
    Lead Leads Chair Chairs Member Members Community Communities Planning Health Social Care
    Local Authority Authorities Partners Partner CPP CPPs HSCP IJB Third Sector Enterprise
    Skills Development Transport Housing Education Children Young People Justice Public
    Mr Mrs Ms Miss Dr Prof Sir Dame Lord Lady Councillor Cllr Provost Bailie Convener
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Also However Thanks Thank
    Outcome Outcomes Improvement Locality Localities Area Areas Strategy Strategic
    Project Projects Programme Network Fund Trust Association College University School
    Centre Day Week Year Working Delivery Review Action Actions Support Finance Resources
    Aberdeen Aberdeenshire Argyll Bute Edinburgh Clackmannanshire Dumfries Galloway Dundee
    East West North South Ayrshire Dunbartonshire Lothian Renfrewshire Falkirk Fife Glasgow
    Highland Inverclyde Midlothian Moray Eileanan Siar Lanarkshire Orkney Islands Perth
    Kinross Borders Shetland Stirling City
    """.split()
)


def _titled_names(text: str, stop: frozenset[str]) -> str:
    def replace(m: re.Match[str]) -> str:
        words = m["names"].split()
        kept: list[str] = []
        for w in words:
            bare = w.rstrip(".")
            if bare in stop or (bare.isupper() and len(bare) > 1):  # "Council", "NHS"
                break
            kept.append(w)
        if not kept:  # "the chair, Councillor Jane Smith": the next title may start here
            return m["title"] + _titled_names(m["names"], stop)
        if len(kept) == 1 and len(kept[0].rstrip(".")) == 1:
            return m.group(0)  # "Dr A" alone is too little to call a name
        rest = m["names"]
        # drop exactly the kept words (with their spacing) from the front of the match
        consumed = re.match(rf"(?:\s+\S+){{{len(kept)}}}", rest)
        tail = rest[consumed.end() :] if consumed else ""
        return f"{m['title']} {NAME_MARK}{tail}"

    return _TITLED.sub(replace, text)


# ---------------------------------------------------------------- the basic pass


def redact(text: str | None) -> str | None:
    """``text`` with emails, UK phone numbers, web addresses and titled names replaced."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return text
    return _titled_names(_contacts(str(text)), STOP_WORDS)


def _contacts(text: str) -> str:
    out = str(normalise(text))  # full-width "＠" -> "@", invisible characters gone
    # cheap guards: most comments hold no '@', '.' or digit, and regexes cost more
    low = out.lower()
    if "@" in out or "(at)" in low or "[at]" in low or "{at}" in low:
        out = _EMAIL.sub(EMAIL_MARK, out)
    if " at " in low or "(at)" in low or "[at]" in low or "{at}" in low:
        out = _EMAIL_SPELT.sub(_spelt_email, out)
    if "." in out:
        out = _URL.sub(_link, out)
    if any(ch.isdigit() for ch in out):
        out = _PHONE.sub(_phone, out)
    return out


# ---------------------------------------------------------------- a round's redaction


def read_names_file(path: Path) -> tuple[str, ...]:
    """Names of a board-members file: one per line; blank lines and ``#`` comments skipped."""
    names = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        name = " ".join(str(normalise(line.split("#", 1)[0])).split())
        if len(name) >= 3:  # an initial alone would remove every "J"
            names.append(name)
    return tuple(dict.fromkeys(names))


def _flex(name: str) -> str:
    """A name as a regex: any run of blanks; the words '&' and 'and' interchangeable."""
    parts = []
    for word in name.split():
        parts.append(r"(?:&|and|AND)" if word.lower() in ("&", "and") else re.escape(word))
    return r"\s+".join(parts)


def _person_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    variants: set[str] = set()
    for name in names:
        words = name.split()
        variants.add(r"\s+".join(re.escape(w) for w in words))
        if len(words) >= 2:  # "J. Smith", "J Smith"
            surname = r"\s+".join(map(re.escape, words[1:]))
            variants.add(rf"{re.escape(words[0][0])}\.?\s*{surname}")
    if not variants:
        return None
    alternation = "|".join(sorted(variants, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class Redaction:
    """Everything a round removes from comments: :func:`redact` plus people and partnerships.

    ``cpp_names`` maps each CPP slug to its names and aliases (from
    ``data/reference``); ``people`` are the names of the board-members file.
    """

    cpp_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    people: tuple[str, ...] = ()

    @classmethod
    def for_round(cls, cfg: RoundConfig, paths: Paths) -> Redaction:
        """The round's redaction: the reference CPPs and aliases, and its names file if any."""
        from cpsa.errors import ConfigError

        cpps = pd.read_csv(paths.reference / "cpps.csv", dtype=str)
        names: dict[str, list[str]] = {}
        for slug, name in zip(cpps["slug"], cpps["name"], strict=True):
            names.setdefault(slug, []).append(name)
        alias_file = paths.reference / "cpp_aliases.csv"
        if alias_file.is_file():
            aliases = pd.read_csv(alias_file, dtype=str)
            for alias, slug in zip(aliases["alias"], aliases["slug"], strict=True):
                names.setdefault(slug, []).append(alias)
        people: tuple[str, ...] = ()
        if cfg.board_members:
            path = paths.resolve(cfg.board_members)
            if not path.is_file():
                raise ConfigError(
                    f"board_members: {cfg.board_members!r} in params/{cfg.round}/round.yaml "
                    "does not exist; the names it should hold would reach the reports. "
                    "Create the file (one name per line) or remove the setting"
                )
            people = read_names_file(path)
        return cls({k: tuple(dict.fromkeys(v)) for k, v in names.items()}, people)

    @cached_property
    def _cpp_regex(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        by_key: dict[str, str] = {}
        for slug, names in self.cpp_names.items():
            for n in names:
                by_key[_key(n)] = slug
        if not by_key:
            return None, by_key
        every = sorted({n for names in self.cpp_names.values() for n in names}, key=len)[::-1]
        alternation = "|".join(_flex(n) for n in every)
        # case as written or all capitals ("FIFE"); never inside a word or a hyphenated name
        upper = "|".join(_flex(n.upper()) for n in every)
        return re.compile(rf"(?<![\w-])(?:{alternation}|{upper})(?![\w-])"), by_key

    @cached_property
    def _people_regex(self) -> re.Pattern[str] | None:
        return _person_pattern(self.people)

    @cached_property
    def _stop(self) -> frozenset[str]:
        words = {w for names in self.cpp_names.values() for n in names for w in n.split()}
        return STOP_WORDS | words

    def text(self, text: str | None, *, own: str | None) -> str | None:
        """One comment of CPP ``own`` (slug) redacted."""
        if text is None or (isinstance(text, float) and pd.isna(text)):
            return text
        out = _contacts(str(text))
        if self._people_regex is not None:
            out = self._people_regex.sub(NAME_MARK, out)
        regex, by_key = self._cpp_regex
        if regex is not None:

            def other(m: re.Match[str]) -> str:
                slug = by_key.get(_key(m.group(0)))
                return m.group(0) if slug == own else PARTNERSHIP_MARK

            out = regex.sub(other, out)
        return _titled_names(out, self._stop)

    def series(self, texts: pd.Series, *, own: str | None) -> tuple[pd.Series, RedactionCounts]:
        unique = pd.unique(texts.dropna())
        table = {t: self.text(t, own=own) for t in unique}
        out = texts.map(table)
        changed = int((out.fillna("") != texts.fillna("")).sum())
        return out, RedactionCounts(comments=int(texts.notna().sum()), redacted=changed)

    def comments(self, frame: pd.DataFrame, *, own: str) -> pd.DataFrame:
        """A CPP's comments table (``text`` column) redacted and re-sorted by theme, kind, text."""
        if frame.empty or "text" not in frame.columns:
            return frame
        text, _ = self.series(frame["text"], own=own)
        out = frame.assign(text=text.to_numpy())
        keys = [c for c in ("theme", "kind", "text") if c in out.columns]
        return out.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _key(name: str) -> str:
    return " ".join(name.replace("&", " and ").split()).casefold()


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
