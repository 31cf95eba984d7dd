"""The checklist codebook: themes, statements and the response scale.

A codebook is ``params/checklist/<id>.yaml``; the round config names it.
Statement ids are stable across rounds so rounds can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cpsa.config import ConfigError, Paths, get_paths, load_yaml_file

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
