"""Which column of an export is which statement: ``cpsa map`` and ``params/<round>/columns.yaml``.

``propose`` looks at an export's headings (and, for the CPP and partner-type
columns, a sample of the answers) and proposes for every column what it holds:

1. a fixed column (respondent id, CPP, partner type) by its heading;
2. a statement or comment question by **exact id** (``ENG01``, ``engagement:strengths``);
3. by **normalised text** (case, spaces, quotes and dashes folded; for a matrix heading
   ``Question - Statement`` the statement part);
4. the CPP / partner-type column by its **values** (most answers are CPP names);
5. by **closest wording** (rapidfuzz), with a confidence and the runner-up when it is close;
6. otherwise nothing: the column is dropped, and named as personal data when its heading
   says so (e-mail, name, IP address, location, phone, tracking fields).

``cpsa map --round R`` writes the proposal to ``params/<round>/columns.yaml``. Exact
matches (1 and 2-3) are written ``confirmed: true``; every other proposal is written
``confirmed: false`` for the analyst to check, correct (``maps_to``) and confirm. Validate
and ingest use only confirmed entries. Without a columns.yaml they use exact matches only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from cpsa.atomic import write_text as atomic_write_text
from cpsa.config import ConfigError, Paths, get_paths, load_round, load_yaml_file
from cpsa.data.codebook import COMMENT_KINDS, Codebook, load_codebook
from cpsa.data.exports import CPP_COLUMN, ID_COLUMN, PARTNER_COLUMN, RawExport, read_export
from cpsa.data.layouts import wordings
from cpsa.data.reference import Reference, load_reference, normalise_label

FIXED = ("respondent_id", "cpp", "partner_type")
DROP = "drop"
FIXED_HEADINGS = {"respondent_id": ID_COLUMN, "cpp": CPP_COLUMN, "partner_type": PARTNER_COLUMN}
# Other headings survey tools use for the fixed columns.
FIXED_ALIASES = {
    "respondent_id": [ID_COLUMN, "respondent_id", "Respondent", "Response ID", "ResponseId", "ID"],
    "cpp": [CPP_COLUMN, "cpp", "CPP", "Partnership", "Community planning partnership name"],
    "partner_type": [PARTNER_COLUMN, "partner_type", "Partner", "Organisation type"],
}
EXACT = ("exact heading", "exact id", "normalised text")
FUZZY_FLOOR = 70  # closest wordings scoring below this are not proposed
AMBIGUOUS_GAP = 4  # a runner-up within this many points makes a match ambiguous
VALUE_SHARE = 0.8  # share of answers that must be CPP names (or partner types)
_SAMPLE_ROWS = 200
_CPP_NOISE = re.compile(
    r"\b(community planning partnership|community planning|partnership|cpp|council)\b"
)

# (pattern on the normalised heading, what it is): unmapped columns so named are
# reported as personal data when they are dropped
PERSONAL = (
    (re.compile(r"e-?mail"), "e-mail address"),
    (re.compile(r"\bip\b|ip ?address|ipaddress"), "IP address"),
    (re.compile(r"\bname\b|firstname|lastname|surname|full ?name"), "name"),
    (re.compile(r"phone|mobile|telephone"), "phone number"),
    (re.compile(r"latitude|longitude|location"), "location"),
    (
        re.compile(r"custom ?data|external ?(data ?)?reference|recipient|collector|user ?agent"),
        "tracking field",
    ),
)


def personal_kind(heading: str) -> str | None:
    """What personal data a column heading announces, or None."""
    h = normalise_label(heading)
    for pattern, kind in PERSONAL:
        if pattern.search(h):
            return kind
    return None


def comment_target(theme: str, kind: str) -> str:
    return f"{theme}:{kind}"


@dataclass(frozen=True)
class Proposal:
    """What one column is proposed to hold."""

    index: int
    heading: str  # the column's key (layouts.Column.key)
    text: str  # the wording matched
    maps_to: str  # a statement id, respondent_id/cpp/partner_type, "<theme>:<kind>", or "drop"
    how: str
    confidence: float
    also: tuple[tuple[str, float], ...] = ()  # close runners-up (target, confidence)
    personal: str | None = None  # what personal data a dropped column holds

    @property
    def exact(self) -> bool:
        return self.how in EXACT


@dataclass
class _Targets:
    """Every target's names: exact lookups and the wordings for fuzzy matching."""

    exact_id: dict[str, str] = field(default_factory=dict)
    exact_text: dict[str, str] = field(default_factory=dict)
    fuzzy: dict[str, str] = field(default_factory=dict)  # normalised wording -> target
    wording: dict[str, str] = field(default_factory=dict)  # target -> its wording


def targets(cb: Codebook) -> _Targets:
    t = _Targets()
    for key, names in FIXED_ALIASES.items():
        for n in names:
            t.exact_id[normalise_label(n)] = key
        t.wording[key] = FIXED_HEADINGS[key]
    for st in cb.statements:
        t.exact_id[normalise_label(st.id)] = st.id
        t.exact_text[normalise_label(st.text)] = st.id
        t.fuzzy[normalise_label(st.text)] = st.id
        t.wording[st.id] = st.text
    for th in cb.themes:
        for kind in COMMENT_KINDS:
            target = comment_target(th.id, kind)
            q = th.strengths_question if kind == "strengths" else th.improvements_question
            for n in (target, f"{th.id}_{kind}", f"{th.id} {kind}"):
                t.exact_id[normalise_label(n)] = target
            t.exact_text[normalise_label(q)] = target
            t.fuzzy[normalise_label(q)] = target
            t.wording[target] = q
    return t


def _values_share(raw: RawExport, index: int, match) -> float:
    seen = hit = 0
    for row in raw.rows:
        if index < len(row) and row[index]:
            seen += 1
            hit += match(row[index]) is not None
            if seen >= _SAMPLE_ROWS:
                break
    return hit / seen if seen else 0.0


def match_cpp(text: str, ref: Reference) -> str | None:
    slug = ref.match_cpp(text)
    if slug is None:
        slug = ref.match_cpp(_CPP_NOISE.sub(" ", normalise_label(text)))
    return slug


def _first_pass(raw: RawExport, t: _Targets) -> list[tuple[str, str, float, tuple]]:
    out = []
    for col in raw.columns:
        hit = None
        for name in (col.key, col.question_id, col.text):
            key = normalise_label(name) if name else ""
            if key and key in t.exact_id:
                target = t.exact_id[key]
                hit = (target, "exact heading" if target in FIXED else "exact id", 1.0, ())
                break
        if hit is None:
            for w in wordings(col.text):
                if normalise_label(w) in t.exact_text:
                    hit = (t.exact_text[normalise_label(w)], "normalised text", 1.0, ())
                    break
        out.append(hit)
    return out


def propose(raw: RawExport, cb: Codebook, ref: Reference) -> list[Proposal]:
    """A proposal for every column of ``raw`` (see the module docstring for the order)."""
    t = targets(cb)
    hits = _first_pass(raw, t)
    taken = {h[0] for h in hits if h is not None}
    for key, match in (
        ("cpp", lambda v: match_cpp(v, ref)),
        ("partner_type", ref.match_partner_type),
    ):
        if key in taken:
            continue
        shares = [
            (_values_share(raw, c.index, match), c.index)
            for c in raw.columns
            if hits[c.index] is None
        ]
        share, index = max(shares, default=(0.0, -1))
        if share >= VALUE_SHARE:
            what = "CPP names" if key == "cpp" else "partner types"
            hits[index] = (key, f"values are {what}", round(0.95 * share, 2), ())
            taken.add(key)
    choices = list(t.fuzzy)
    for col in raw.columns:
        if hits[col.index] is not None or not col.text or personal_kind(col.key):
            continue
        scores: dict[str, float] = {}
        for w in wordings(col.text):
            for choice, score, _ in process.extract(
                normalise_label(w), choices, scorer=fuzz.ratio, limit=3, score_cutoff=FUZZY_FLOOR
            ):
                target = t.fuzzy[choice]
                scores[target] = max(scores.get(target, 0.0), score)
        if not scores:
            continue
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best, score = ranked[0]
        also = tuple(
            (other, round(s / 100, 2)) for other, s in ranked[1:] if score - s <= AMBIGUOUS_GAP
        )
        hits[col.index] = (best, "closest wording", round(score / 100, 2), also)
    # one column per target: the best claim keeps it, the others are left for the analyst
    best_of: dict[str, int] = {}
    for i, h in enumerate(hits):
        if h is not None and (h[0] not in best_of or h[2] > hits[best_of[h[0]]][2]):
            best_of[h[0]] = i
    out = []
    for col, h in zip(raw.columns, hits, strict=True):
        if h is None:
            out.append(
                Proposal(
                    col.index,
                    col.key,
                    col.text,
                    DROP,
                    "not in the checklist",
                    0.0,
                    personal=personal_kind(col.key),
                )
            )
            continue
        target, how, conf, also = h
        if best_of[target] != col.index and not (
            how in EXACT and hits[best_of[target]][1] in EXACT
        ):
            other = raw.columns[best_of[target]].key
            out.append(
                Proposal(
                    col.index,
                    col.key,
                    col.text,
                    DROP,
                    f"not in the checklist (closer: {other!r} for {target})",
                    0.0,
                    also=((target, conf),),
                )
            )
            continue
        out.append(Proposal(col.index, col.key, col.text, target, how, conf, also))
    return out


# ---------------------------------------------------------------- columns.yaml


@dataclass(frozen=True)
class Entry:
    heading: str
    maps_to: str
    confirmed: bool
    how: str = ""
    confidence: float | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnMap:
    source: Path
    entries: tuple[Entry, ...]

    def by_heading(self) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for e in self.entries:
            out.setdefault(e.heading, e)
        return out


def map_path(round_: str, paths: Paths | None = None) -> Path:
    return (paths or get_paths()).round_params(round_) / "columns.yaml"


def load_map(round_: str, paths: Paths | None = None) -> ColumnMap | None:
    """The round's column map, or None when there is none."""
    file = map_path(round_, paths)
    if not file.is_file():
        return None
    try:
        raw = load_yaml_file(file) or {}
        entries = tuple(
            Entry(
                heading=str(c["heading"]),
                maps_to=str(c.get("maps_to") or DROP),
                confirmed=bool(c.get("confirmed", False)),
                how=str(c.get("how", "")),
                confidence=c.get("confidence"),
                also=tuple(str(a) for a in (c.get("also") or ())),
            )
            for c in raw["columns"]
        )
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{file}: not a valid column map ({exc}); fix it, or write a new one with "
            f"cpsa map --round {round_} --force"
        ) from exc
    return ColumnMap(file, entries)


def render_map(
    round_: str, export: str, raw: RawExport, proposals: list[Proposal], cb: Codebook
) -> str:
    """columns.yaml text: a header comment saying what to do, then one entry per column."""
    t = targets(cb)
    todo = sum(1 for p in proposals if p.maps_to != DROP and not p.exact)
    mapped = {p.maps_to for p in proposals}
    missing = [x for x in [*FIXED, *(s.id for s in cb.statements)] if x not in mapped]
    lines = [
        f"# Column map of round {round_}: which column of the export is which statement.",
        "# Written by `cpsa map`. Check every entry with `confirmed: false`: correct `maps_to`",
        "# if it is wrong (a statement id, respondent_id, cpp, partner_type, <theme>:strengths,",
        "# <theme>:improvements, or drop), then set `confirmed: true`. Validate and ingest use",
        "# only confirmed entries; every column not confirmed here is dropped.",
        f"# {todo} entr{'y' if todo == 1 else 'ies'} to check"
        + (f"; no column found for: {', '.join(missing)}" if missing else ""),
    ]
    doc = {
        "round": round_,
        "export": export,
        "layout": raw.describe(),
        "codebook": cb.id,
        "columns": [],
    }
    for p in proposals:
        e: dict = {"heading": p.heading}
        if p.text and p.text != p.heading:
            e["text"] = p.text
        e["maps_to"] = p.maps_to
        if p.maps_to != DROP:
            e["wording"] = t.wording.get(p.maps_to, "")
            e["confidence"] = p.confidence
        e["how"] = p.how if not p.personal else f"personal data ({p.personal}): never kept"
        if p.also:
            e["also"] = [f"{x} ({c:.2f})" for x, c in p.also]
        e["confirmed"] = p.maps_to == DROP or p.exact
        doc["columns"].append(e)
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body


def write_map(
    round_: str, *, force: bool = False, paths: Paths | None = None
) -> tuple[Path, list[Proposal], RawExport]:  # noqa: E501
    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    target = map_path(round_, paths)
    if target.exists() and not force:
        existing = load_map(round_, paths)
        n = sum(e.confirmed for e in existing.entries) if existing else 0
        raise ConfigError(
            f"{target.relative_to(paths.root) if paths.inside(target) else target} already exists "
            f"({n} confirmed entries); it is never overwritten: pass --force to replace it"
        )
    export = cfg.export_path(paths)
    raw = read_export(export, sheet=cfg.sheet, round_=round_)
    cb = load_codebook(cfg.codebook, paths)
    proposals = propose(raw, cb, load_reference(paths))
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, render_map(round_, cfg.export, raw, proposals, cb))
    return target, proposals, raw
