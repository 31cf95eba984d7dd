"""The checklist codebook: themes, statements and the response scale.

A codebook is ``params/checklist/<id>.yaml``; the round config names it.
Statement ids are stable across rounds so rounds can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cpsa.config import ConfigError, Paths, get_paths, load_yaml_file, load_yaml_text

# canonical response codes, in scale order (most positive first)
RESPONSE_CODES = ("strongly_agree", "agree", "disagree", "strongly_disagree", "dont_know")
COMMENT_KINDS = ("strengths", "improvements")


@dataclass(frozen=True)
class ResponseOption:
    code: str  # one of RESPONSE_CODES
    label: str  # as printed in the survey, e.g. "Strongly agree"
    score: int | None  # 4..1; None for Don't know (excluded from scores)
    positive: bool


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    description: str
    strengths_question: str
    improvements_question: str


@dataclass(frozen=True)
class Statement:
    id: str
    theme: str
    text: str


@dataclass(frozen=True)
class Codebook:
    id: str
    title: str
    scale: tuple[ResponseOption, ...]
    themes: tuple[Theme, ...]
    statements: tuple[Statement, ...]

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def statement(self, item: str) -> Statement:
        for s in self.statements:
            if s.id == item:
                return s
        raise KeyError(item)

    def statements_in(self, theme_id: str) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.theme == theme_id)

    def option(self, code: str) -> ResponseOption:
        for o in self.scale:
            if o.code == code:
                return o
        raise KeyError(code)


def _parse(raw: dict, source: Path) -> Codebook:
    try:
        scale = tuple(
            ResponseOption(
                code=o["code"],
                label=o["label"],
                score=o.get("score"),
                positive=bool(o.get("positive", False)),
            )
            for o in raw["scale"]
        )
        themes = tuple(
            Theme(
                id=t["id"],
                title=t["title"],
                description=t["description"],
                strengths_question=t["comments"]["strengths"],
                improvements_question=t["comments"]["improvements"],
            )
            for t in raw["themes"]
        )
        statements = tuple(
            Statement(id=s["id"], theme=s["theme"], text=s["text"]) for s in raw["statements"]
        )
        cb = Codebook(
            id=raw["id"], title=raw["title"], scale=scale, themes=themes, statements=statements
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{source}: malformed codebook, missing {exc}") from exc
    problems = []
    if tuple(o.code for o in scale) != RESPONSE_CODES:
        problems.append(f"scale codes must be {RESPONSE_CODES}")
    theme_ids = [t.id for t in themes]
    item_ids = [s.id for s in statements]
    if len(set(theme_ids)) != len(theme_ids):
        problems.append("duplicate theme ids")
    if len(set(item_ids)) != len(item_ids):
        problems.append("duplicate statement ids")
    orphans = [s.id for s in statements if s.theme not in theme_ids]
    if orphans:
        problems.append(f"statements with an unknown theme: {orphans}")
    empty = [t for t in theme_ids if not any(s.theme == t for s in statements)]
    if empty:
        problems.append(f"themes without statements: {empty}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return cb


@cache
def _load(path: Path) -> Codebook:
    raw = load_yaml_file(path)
    return _parse(raw, path)


def load_codebook(codebook_id: str, paths: Paths | None = None) -> Codebook:
    paths = paths or get_paths()
    path = paths.checklists / f"{codebook_id}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in paths.checklists.glob("*.yaml"))
        raise ConfigError(f"no checklist codebook {path}; known codebooks: {known}")
    return _load(path.resolve())


# ---------------------------------------------------------------- changes between codebooks


@dataclass(frozen=True)
class CodebookChanges:
    """Statements of two codebooks paired by id (ids are stable across rounds)."""

    added: tuple[Statement, ...]  # in the new codebook only
    retired: tuple[Statement, ...]  # in the old codebook only
    reworded: tuple[tuple[Statement, Statement], ...]  # (old, new): same id, other wording
    moved: tuple[tuple[Statement, Statement], ...]  # (old, new): same id, other theme
    unchanged: tuple[str, ...]  # ids with the same wording and theme

    @property
    def any(self) -> bool:
        return bool(self.added or self.retired or self.reworded or self.moved)

    def lines(self) -> list[str]:
        out = [f"added: {s.id} ({s.text!r})" for s in self.added]
        out += [f"retired: {s.id} ({s.text!r})" for s in self.retired]
        out += [f"reworded: {a.id}: {a.text!r} -> {b.text!r}" for a, b in self.reworded]
        out += [f"moved: {a.id}: theme {a.theme} -> {b.theme}" for a, b in self.moved]
        return out


def codebook_changes(old: Codebook, new: Codebook) -> CodebookChanges:
    """Which statements were added, retired, reworded or moved between two codebooks.

    Statements are paired by id only, never by wording: a statement whose meaning
    changed must be retired and added under a new id, and one only reworded keeps its
    id (it is compared across rounds, with the rewording stated).
    """
    from cpsa.data.reference import normalise_label

    before = {s.id: s for s in old.statements}
    after = {s.id: s for s in new.statements}
    reworded, moved, same = [], [], []
    for sid in before.keys() & after.keys():
        a, b = before[sid], after[sid]
        if normalise_label(a.text) != normalise_label(b.text):
            reworded.append((a, b))
        if a.theme != b.theme:
            moved.append((a, b))
        if normalise_label(a.text) == normalise_label(b.text) and a.theme == b.theme:
            same.append(sid)
    return CodebookChanges(
        added=tuple(after[i] for i in sorted(after.keys() - before.keys())),
        retired=tuple(before[i] for i in sorted(before.keys() - after.keys())),
        reworded=tuple(sorted(reworded, key=lambda p: p[0].id)),
        moved=tuple(sorted(moved, key=lambda p: p[0].id)),
        unchanged=tuple(sorted(same)),
    )


# ---------------------------------------------------------------- codebook from a checklist
# `cpsa codebook --from <export or list> --id <new id> [--previous <codebook id>]`

DEFAULT_SCALE = (
    {"code": "strongly_agree", "label": "Strongly agree", "score": 4, "positive": True},
    {"code": "agree", "label": "Agree", "score": 3, "positive": True},
    {"code": "disagree", "label": "Disagree", "score": 2, "positive": False},
    {"code": "strongly_disagree", "label": "Strongly disagree", "score": 1, "positive": False},
    {"code": "dont_know", "label": "Don't know", "score": None, "positive": False},
)
_NUMBERING = r"^\s*(?:[-*\u2022]|\(?[0-9]+(?:\.[0-9]+)*[.)]?|\(?[a-z][.)])\s+"
_REUSE_SCORE = 90  # a statement this close to a previous one keeps the previous id


@dataclass(frozen=True)
class ChecklistItem:
    area: str
    text: str
    id: str | None = None  # an id written in the list ("ENG01 Communities are ...")


def read_checklist(path: Path) -> list[ChecklistItem]:
    """A checklist's areas and statements, from a text list, a CSV list or a survey export.

    A text list has one statement per line (numbering and bullets are ignored; a line
    may start with its id, e.g. ``ENG01``); a line starting with ``#`` or ending with
    ``:`` starts an area. A CSV list has columns ``area``, ``statement`` and optionally
    ``id``. Any other file is read as a survey export: every column whose answers are
    response labels (or numbers) is a statement, its matrix question the area.
    """
    import csv
    import re

    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        items, area = [], "Checklist"
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            line = line.strip()
            if not line:
                continue
            if line.startswith("#") or (line.endswith(":") and len(line) < 120):
                area = line.lstrip("#").rstrip(":").strip()
                continue
            text = re.sub(_NUMBERING, "", line, flags=re.IGNORECASE)
            m = re.match(r"^([A-Z]{2,6}[0-9]{1,3})\s+(.*)$", text)
            items.append(ChecklistItem(area, m.group(2) if m else text, m.group(1) if m else None))
        return items
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        first = text.splitlines()[0].lower() if text else ""
        if "statement" in first and "area" in first:
            rows = list(csv.DictReader(text.splitlines()))
            return [
                ChecklistItem(r["area"].strip(), r["statement"].strip(), (r.get("id") or None))
                for r in rows
                if r.get("statement", "").strip()
            ]
    return _checklist_from_export(path)


def _checklist_from_export(path: Path) -> list[ChecklistItem]:
    from cpsa.data.exports import read_export
    from cpsa.data.layouts import MATRIX_SEPARATORS
    from cpsa.data.reference import normalise_label

    raw = read_export(path)
    answers = {normalise_label(o["label"]) for o in DEFAULT_SCALE} | {"dont know"}
    items = []
    for col in raw.columns:
        values = [r[col.index] for r in raw.rows[:200] if col.index < len(r) and r[col.index]]
        if not values:
            continue
        hits = sum(normalise_label(v) in answers or (v.isdigit() and len(v) <= 2) for v in values)
        if hits < 0.8 * len(values):
            continue
        area, text = "Checklist", col.text
        if col.key != col.text and col.key.endswith(col.text):  # SurveyMonkey: question above
            area = col.key[: -len(col.text)].rstrip(" -") or area
        else:
            for sep in MATRIX_SEPARATORS:
                if sep in col.text:
                    area, text = col.text.split(sep, 1)
                    break
        items.append(ChecklistItem(area.strip(), text.strip()))
    return items


def _theme_id(area: str, taken: set[str]) -> str:
    import re

    from cpsa.data.reference import slugify

    words = [w for w in slugify(area).split("-") if w not in {"and", "the", "of", "a", "to"}]
    base = re.sub(r"[^a-z_]", "", "_".join(words[:3])) or "area"
    tid, k = base, 2
    while tid in taken:
        tid, k = f"{base}_{k}", k + 1
    return tid


def build_codebook(
    items: list[ChecklistItem], *, codebook_id: str, title: str, previous: Codebook | None = None
) -> dict:
    """A codebook (as YAML-ready data) for ``items``; ids kept from ``previous`` where the
    wording is the same or very close, new ids otherwise (never reusing a previous id)."""
    from rapidfuzz import fuzz, process

    from cpsa.data.reference import normalise_label

    if not items:
        raise ConfigError("the checklist has no statements; check the file given to --from")
    old_by_text = {normalise_label(s.text): s for s in (previous.statements if previous else ())}
    old_theme_by_title = {
        normalise_label(t.title): t for t in (previous.themes if previous else ())
    }
    used_ids = {s.id for s in previous.statements} if previous else set()
    themes: dict[str, dict] = {}
    statements = []
    assigned: set[str] = set()
    for it in items:
        key = normalise_label(it.area)
        if key not in themes:
            old = old_theme_by_title.get(key)
            tid = old.id if old else _theme_id(it.area, {t["id"] for t in themes.values()})
            title_ = it.area
            themes[key] = {
                "id": tid,
                "title": title_,
                "description": f"{title_} (edit this description).",
                "comments": {
                    "strengths": old.strengths_question
                    if old
                    else f"What does the partnership do well on {title_[:1].lower() + title_[1:]}?",
                    "improvements": old.improvements_question
                    if old
                    else f"What should the partnership improve on "
                    f"{title_[:1].lower() + title_[1:]}?",
                },
            }
        sid = it.id
        if sid is None and old_by_text:
            norm = normalise_label(it.text)
            if norm in old_by_text:
                sid = old_by_text[norm].id
            else:
                found = process.extractOne(
                    norm, list(old_by_text), scorer=fuzz.ratio, score_cutoff=_REUSE_SCORE
                )
                if found is not None:
                    sid = old_by_text[found[0]].id
        if sid in assigned:
            sid = None
        statements.append({"id": sid, "theme": themes[key]["id"], "text": it.text})
        if sid:
            assigned.add(sid)
    # new ids: the theme's prefix and the next number never used before
    for st in statements:
        if st["id"] is None:
            prefix = st["theme"].replace("_", "")[:3].upper()
            n = 1
            while f"{prefix}{n:02d}" in used_ids | assigned:
                n += 1
            st["id"] = f"{prefix}{n:02d}"
            assigned.add(st["id"])
    return {
        "id": codebook_id,
        "title": title,
        "scale": [dict(o) for o in (_scale_of(previous) if previous else DEFAULT_SCALE)],
        "themes": list(themes.values()),
        "statements": statements,
    }


def _scale_of(cb: Codebook) -> list[dict]:
    return [
        {"code": o.code, "label": o.label, "score": o.score, "positive": o.positive}
        for o in cb.scale
    ]


def write_codebook(
    source: Path,
    *,
    codebook_id: str,
    title: str | None = None,
    previous_id: str | None = None,
    force: bool = False,
    paths: Paths | None = None,
) -> tuple[Path, Codebook, Codebook | None]:
    """Turn the checklist ``source`` into ``params/checklist/<codebook_id>.yaml`` to edit.

    Returns (file written, the new codebook, the previous one or None). Statement
    ids of ``previous_id`` are kept where the wording matches; the file is written
    atomically and only if it loads back as a valid codebook.
    """
    import yaml

    from cpsa.atomic import write_text

    paths = paths or get_paths()
    if not source.is_file():
        raise ConfigError(f"{source}: no such file")
    target = paths.checklists / f"{codebook_id}.yaml"
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; pass --force to replace it")
    previous = load_codebook(previous_id, paths) if previous_id else None
    try:
        items = read_checklist(source)
    except Exception as exc:  # an unreadable export says why
        raise ConfigError(f"{source}: {exc}") from exc
    data = build_codebook(
        items, codebook_id=codebook_id, title=title or f"Checklist {codebook_id}", previous=previous
    )
    header = (
        f"# Codebook {codebook_id}, written by `cpsa codebook --from {source.name}`.\n"
        "# Edit titles, descriptions and comment questions. Statement ids are stable across\n"
        "# rounds: never renumber or reuse an id; retire it and add a new one when a\n"
        "# statement's meaning changes.\n"
    )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    new = _parse(load_yaml_text(text, source=str(target)), target)  # the result must load
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, text)
    return target, new, previous
