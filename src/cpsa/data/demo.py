"""Synthetic demonstration rounds: ``cpsa demo-data``.

Writes ``data/demo/<round>/export.csv`` and ``export.xlsx`` (the same answers, in
the format the survey tool exports), ``board_sizes.csv`` and
``params/<round>/round.yaml`` for the rounds ``demo-2024`` (baseline) and
``demo-2026``. Everything comes from one seeded ``numpy.random.Generator`` and the
output is byte-for-byte deterministic, so the committed demo data can be
regenerated and checked. The model and its planted effects are described in
``docs/data.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from cpsa import atomic
from cpsa.config import Paths, get_paths
from cpsa.data.codebook import Codebook, load_codebook
from cpsa.data.exports import CPP_COLUMN, ID_COLUMN, PARTNER_COLUMN
from cpsa.data.reference import Reference, load_reference

log = logging.getLogger("cpsa.data.demo")

CODEBOOK = "psif-board-v1"
DEFAULT_SEED = 20241123
ROUNDS = ("demo-2024", "demo-2026")

# Planted effects: fixed CPPs so that tests and docs can name them. They are
# arbitrary choices for synthetic data and say nothing about the real partnerships.
WEAK_GOVERNANCE = "west-lothian"
STRONG_ENGAGEMENT = "dumfries-and-galloway"
SMALL_CPP_2026 = "orkney-islands"  # 3 respondents: below the reporting minimum of 5
WEAK_GOVERNANCE_SHIFT = -2.0
STRONG_ENGAGEMENT_SHIFT = 2.0
PERFORMANCE_IMPROVEMENT_2026 = 0.8
# A genuinely split board (demo-2026 only): on one theme, alternate members lean strongly
# towards opposite ends of the scale. Members are assigned to the two camps by position
# (no extra random draws), so every other CPP's answers are exactly as without the split.
SPLIT_BOARD = "scottish-borders"
SPLIT_THEME = "accountability"
SPLIT_SHIFTS = (3.0, -4.5)  # latent shift of the two camps

# Ordered-logit cut points between scores 1|2, 2|3 and 3|4 on the latent scale.
_CUTS = np.array([-2.2, -0.3, 2.0])
_BASE = 0.9
_THEME_EFFECT = {
    "engagement": 0.0,
    "evidence": 0.2,
    "outcomes": 0.4,
    "leadership": 0.5,
    "governance": 0.4,
    "accountability": 0.0,
    "resources": -0.5,
    "performance": -0.5,
    "impact": -0.3,
}
# Members often lack the information to judge budgets and performance data.
_THEME_DONT_KNOW = {"resources": 0.12, "performance": 0.08, "impact": 0.05}
_PARTNER_MIX = {
    "elected_member": 0.22,
    "council_officer": 0.13,
    "nhs_board": 0.10,
    "hscp": 0.08,
    "police": 0.08,
    "fire": 0.07,
    "enterprise_skills": 0.06,
    "third_sector": 0.10,
    "community": 0.11,
    "other": 0.05,
}
_PARTNER_EFFECT = {"elected_member": 0.3, "council_officer": 0.2, "community": -0.4}
_PARTNER_DONT_KNOW = {"community": 0.10, "third_sector": 0.04, "other": 0.04}
# How respondents typed their partner type, besides the label itself.
_PARTNER_TYPED = {
    "elected_member": ["Councillor"],
    "nhs_board": ["NHS", "Health board"],
    "hscp": ["HSCP"],
    "fire": ["SFRS", "Scottish Fire and Rescue Service"],
    "enterprise_skills": ["Skills Development Scotland", "Scottish Enterprise"],
    "third_sector": ["Third sector interface", "TSI"],
    "community": ["Community council"],
}

_TOPICS = {
    "engagement": ["locality forums", "participatory budgeting", "the community panel"],
    "evidence": ["the strategic assessment", "sharing data between partners", "locality profiles"],
    "outcomes": ["the LOIP priorities", "the locality plans", "child poverty actions"],
    "leadership": ["attendance at board meetings", "the shared vision", "partner commitment"],
    "governance": ["the sub-group structure", "board papers", "following up decisions"],
    "accountability": ["the annual report", "holding partners to account", "scrutiny"],
    "resources": ["pooled budgets", "shared buildings", "joint commissioning"],
    "performance": ["the performance framework", "indicator reports", "the LOIP dashboard"],
    "impact": ["outcomes in the priority localities", "closing the gap", "evidence of impact"],
}
_STRENGTHS = [
    "Good progress on {topic} over the last year.",
    "{Topic} has worked well and partners now take it seriously.",
    "The board is strong on {topic}; this should continue.",
    "Real commitment from partners on {topic}.",
    "{Topic} is much better than it was two years ago.",
    "Officers supporting the board do a good job on {topic}.",
]
_IMPROVEMENTS = [
    "We need to do more on {topic}.",
    "{Topic} is still patchy across localities.",
    "Board members are not always clear about {topic}.",
    "More time on the agenda for {topic} would help.",
    "I do not have enough information about {topic} to judge.",
    "Progress on {topic} has stalled since the last self-assessment.",
    "{Topic} depends too much on the council; other partners should step up.",
]
# A few comments carry contact details so that redaction has something to catch.
_CONTACT = [
    "Happy to discuss {topic} further - contact me at jo.bloggs@example.org.",
    "Please call me on 01632 960123 to talk about {topic}.",
    "Our draft proposal on {topic} is at https://example.org/cpp/proposal.",
]


@dataclass(frozen=True)
class RoundSpec:
    """What differs between the two demo rounds."""

    round: str
    year: int
    n_cpps: int
    id_prefix: str
    round_seed: int  # the seed written into round.yaml (permutation tests)
    performance_shift: float
    curly_quotes: bool  # the 2026 survey tool prints typographic apostrophes
    split_board: bool = False  # plant the split board (SPLIT_BOARD, SPLIT_THEME)


SPECS = {
    "demo-2024": RoundSpec("demo-2024", 2024, 20, "R24-", 20240601, 0.0, False),
    "demo-2026": RoundSpec("demo-2026", 2026, 24, "R26-", 20260601, 0.8, True, split_board=True),
}


@dataclass(frozen=True)
class DemoRound:
    """One generated round, in memory: the export exactly as it will be written."""

    spec: RoundSpec
    export: pd.DataFrame  # all cells str; "" is blank
    board_sizes: pd.DataFrame  # cpp, members_invited
    cpps: tuple[str, ...]


def _choose_cpps(rng: np.random.Generator, slugs: list[str]) -> dict[str, list[str]]:
    """20 CPPs in 2024; 2026 keeps most of them and adds new ones (24 in all)."""
    forced = [WEAK_GOVERNANCE, STRONG_ENGAGEMENT]
    pool = [s for s in slugs if s not in forced and s != SMALL_CPP_2026]
    pool = list(rng.permutation(pool))
    cpps_2024 = forced + pool[:18]
    dropped = set(pool[:3])  # three 2024 CPPs do not take part again
    new = [SMALL_CPP_2026, *pool[18:24]]
    cpps_2026 = [s for s in cpps_2024 if s not in dropped] + new
    return {"demo-2024": sorted(cpps_2024), "demo-2026": sorted(cpps_2026)}


def _typed_cpp(rng: np.random.Generator, slug: str, ref: Reference, aliases: pd.DataFrame) -> str:
    """The CPP as a respondent might type it: usually the name, sometimes an alias."""
    name = ref.cpp_name(slug)
    own = sorted(aliases.loc[aliases["slug"] == slug, "alias"])
    u = rng.random()
    if u < 0.15 and own:
        return str(own[rng.integers(len(own))])
    if u < 0.22:
        return name.lower()
    if u < 0.25:
        return name + " "
    return name


def _typed_partner(rng: np.random.Generator, pid: str, ref: Reference) -> str:
    label = str(ref.partner_types.set_index("id").loc[pid, "label"])
    typed = _PARTNER_TYPED.get(pid)
    if typed and rng.random() < 0.2:
        return typed[rng.integers(len(typed))]
    return label


def _comment(rng: np.random.Generator, theme: str, templates: list[str]) -> str:
    topic = _TOPICS[theme][rng.integers(len(_TOPICS[theme]))]
    text = templates[rng.integers(len(templates))]
    return text.format(topic=topic, Topic=topic[0].upper() + topic[1:])


def _curly(text: str) -> str:
    return text.replace("'", "\u2019")


def _generate_round(
    rng: np.random.Generator,
    spec: RoundSpec,
    cpps: list[str],
    cpp_effect: dict[str, float],
    cpp_theme: dict[tuple[str, str], float],
    item_effect: dict[str, float],
    cb: Codebook,
    ref: Reference,
    aliases: pd.DataFrame,
) -> DemoRound:
    themes = [t.id for t in cb.themes]
    labels = {o.code: o.label for o in cb.scale}
    score_label = {4: labels["strongly_agree"], 3: labels["agree"]}
    score_label |= {2: labels["disagree"], 1: labels["strongly_disagree"]}
    dont_know = labels["dont_know"]
    partner_ids = list(_PARTNER_MIX)
    partner_p = np.array(list(_PARTNER_MIX.values()))
    partner_p = partner_p / partner_p.sum()

    sizes = {c: 6 + int(rng.binomial(12, 0.38)) for c in cpps}
    if SMALL_CPP_2026 in sizes:
        sizes[SMALL_CPP_2026] = 3
    n_total = sum(sizes.values())
    # ids are assigned in submission order, which mixes the CPPs
    order = rng.permutation(n_total)
    # one comment per contact template, at rows chosen at random
    contact_rows = rng.choice(n_total, size=len(_CONTACT), replace=False).tolist()
    contact_template = {row: _CONTACT[i] for i, row in enumerate(sorted(contact_rows))}

    records = []
    k = 0
    for cpp in cpps:
        drift = rng.normal(0, 0.15)  # CPPs change a little between rounds
        for member in range(sizes[cpp]):
            pid = str(rng.choice(partner_ids, p=partner_p))
            u = rng.normal(0, 0.6) + _PARTNER_EFFECT.get(pid, 0.0)
            dk_propensity = rng.lognormal(0, 0.5)
            # a few respondents stop before the end of the survey
            stop_at = len(themes) - int(rng.integers(1, 3)) if rng.random() < 0.04 else None
            row = {
                ID_COLUMN: f"{spec.id_prefix}{order[k] + 1:04d}",
                CPP_COLUMN: _typed_cpp(rng, cpp, ref, aliases),
                PARTNER_COLUMN: _typed_partner(rng, pid, ref),
            }
            comments = {}
            for ti, theme in enumerate(themes):
                theme_scores = []
                for st in cb.statements_in(theme):
                    if stop_at is not None and ti >= stop_at:
                        row[st.id] = ""
                        continue
                    p_dk = 0.02 + _THEME_DONT_KNOW.get(theme, 0) + _PARTNER_DONT_KNOW.get(pid, 0)
                    if rng.random() < 0.02:
                        row[st.id] = ""
                    elif rng.random() < min(0.6, p_dk * dk_propensity):
                        row[st.id] = dont_know
                    else:
                        eta = _BASE + _THEME_EFFECT[theme] + cpp_effect[cpp] + drift
                        eta += cpp_theme[(cpp, theme)] + item_effect[st.id] + u
                        if theme == "performance":
                            eta += spec.performance_shift
                        if cpp == WEAK_GOVERNANCE and theme == "governance":
                            eta += WEAK_GOVERNANCE_SHIFT
                        if cpp == STRONG_ENGAGEMENT and theme == "engagement":
                            eta += STRONG_ENGAGEMENT_SHIFT
                        if spec.split_board and cpp == SPLIT_BOARD and theme == SPLIT_THEME:
                            eta += SPLIT_SHIFTS[member % 2]
                        score = 1 + int(np.sum(eta + rng.logistic() > _CUTS))
                        row[st.id] = score_label[score]
                        theme_scores.append(score)
                saw = stop_at is None or ti < stop_at
                if saw and rng.random() < 0.5:
                    mean = np.mean(theme_scores) if theme_scores else 2.5
                    # content follows the respondent's own ratings of the theme
                    kinds = ["strengths"] if rng.random() < (mean - 1) / 3 else ["improvements"]
                    if rng.random() < 0.25:
                        kinds = ["strengths", "improvements"]
                    for kind in kinds:
                        tpl = _STRENGTHS if kind == "strengths" else _IMPROVEMENTS
                        comments[(theme, kind)] = _comment(rng, theme, tpl)
            if k in contact_template:
                theme, kind = sorted(comments)[0] if comments else (themes[0], "improvements")
                comments[(theme, kind)] = _comment(rng, theme, [contact_template[k]])
            for theme in themes:
                for kind in ("strengths", "improvements"):
                    row[f"{theme}:{kind}"] = comments.get((theme, kind), "")
            records.append(row)
            k += 1

    frame = pd.DataFrame.from_records(records)
    frame = frame.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)
    fix = _curly if spec.curly_quotes else str
    header = {st.id: fix(st.text) for st in cb.statements}
    for t in cb.themes:
        header[f"{t.id}:strengths"] = fix(t.strengths_question)
        header[f"{t.id}:improvements"] = fix(t.improvements_question)
    frame = frame.rename(columns=header)
    if spec.curly_quotes:
        frame = frame.replace({dont_know: fix(dont_know)})
    invited = {c: sizes[c] + int(rng.integers(2, 10)) for c in cpps}
    board = pd.DataFrame({"cpp": list(invited), "members_invited": list(invited.values())})
    return DemoRound(spec=spec, export=frame, board_sizes=board, cpps=tuple(cpps))


def generate(*, seed: int = DEFAULT_SEED, paths: Paths | None = None) -> dict[str, DemoRound]:
    """Both demo rounds, in memory; CPP effects are shared so rounds are comparable."""
    paths = paths or get_paths()
    cb = load_codebook(CODEBOOK, paths)
    ref = load_reference(paths)
    aliases = pd.read_csv(paths.reference / "cpp_aliases.csv", dtype=str)
    rng = np.random.default_rng(seed)
    slugs = sorted(ref.cpps["slug"])
    chosen = _choose_cpps(rng, slugs)
    cpp_effect = {s: float(rng.normal(0, 0.4)) for s in slugs}
    # planted CPPs are otherwise average, so their one strength or weakness stands out
    cpp_effect[WEAK_GOVERNANCE] = cpp_effect[STRONG_ENGAGEMENT] = 0.0
    cpp_theme = {(s, t.id): float(rng.normal(0, 0.25)) for s in slugs for t in cb.themes}
    item_effect = {st.id: float(rng.normal(0, 0.2)) for st in cb.statements}
    return {
        name: _generate_round(
            rng, SPECS[name], chosen[name], cpp_effect, cpp_theme, item_effect, cb, ref, aliases
        )
        for name in ROUNDS
    }


def export_csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.itertuples(index=False, name=None))
    return buf.getvalue().encode("utf-8")


_FIXED_TIME = dt.datetime(2026, 1, 1)


def export_xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """The export as XLSX, byte-deterministic (fixed document and zip-entry dates)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        ws.append([v if v != "" else None for v in row])
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "cpsa demo-data"
    raw = io.BytesIO()
    # openpyxl's save_workbook stamps "modified" with the clock, so use the writer directly
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def round_yaml(demo: DemoRound) -> str:
    spec = demo.spec
    baseline = "demo-2024" if spec.round == "demo-2026" else "null"
    cpps = "\n".join(f"  - {c}" for c in demo.cpps)
    return (
        "# Synthetic demonstration round, generated by `cpsa demo-data`: do not edit by hand.\n"
        f"round: {spec.round}\n"
        f"year: {spec.year}\n"
        f"title: National Community Planning Self-Assessment {spec.year}"
        " (synthetic demonstration)\n"
        "synthetic: true\n"
        f"export: data/demo/{spec.round}/export.csv\n"
        f"codebook: {CODEBOOK}\n"
        f"baseline: {baseline}\n"
        f"board_sizes: data/demo/{spec.round}/board_sizes.csv\n"
        f"seed: {spec.round_seed}\n"
        "publication:\n"
        f"  date: '{spec.year}-03-31'\n"
        "  contact: Improvement Service, Community Planning team (info@improvementservice.org.uk)\n"
        f"cpps:\n{cpps}\n"
    )


def write_round(demo: DemoRound, *, paths: Paths) -> list[Path]:
    """Write one round's files atomically; returns the paths written."""
    folder = paths.demo / demo.spec.round
    files = {
        folder / "export.csv": export_csv_bytes(demo.export),
        folder / "export.xlsx": export_xlsx_bytes(demo.export),
        folder / "board_sizes.csv": demo.board_sizes.to_csv(
            index=False, lineterminator="\n"
        ).encode("utf-8"),
        paths.round_config_file(demo.spec.round): round_yaml(demo).encode("utf-8"),
    }
    for path, data in files.items():
        atomic.write_bytes(path, data)
    return list(files)


def generate_scale_export(
    *, n_cpps: int = 32, per_cpp: int = 1000, seed: int = DEFAULT_SEED, paths: Paths | None = None
) -> pd.DataFrame:
    """A large synthetic export in the real export format, for the scale benchmark.

    The same ordered-logit model as the demo rounds (theme, partner, CPP and
    statement effects, Don't know and blank answers, comments following the
    respondent's ratings), drawn with whole-array numpy calls so that 32,000
    respondents take a second rather than a minute. ``n_cpps`` takes the first CPPs
    in slug order; every CPP gets ``per_cpp`` respondents. Cells are str, "" blank.
    """
    if not 1 <= n_cpps <= 32 or per_cpp < 1:
        raise ValueError(f"need 1 <= n_cpps <= 32 and per_cpp >= 1, got {n_cpps}, {per_cpp}")
    paths = paths or get_paths()
    cb = load_codebook(CODEBOOK, paths)
    ref = load_reference(paths)
    rng = np.random.default_rng(seed)
    slugs = sorted(ref.cpps["slug"])[:n_cpps]
    themes = [t.id for t in cb.themes]
    items = list(cb.statements)
    n = n_cpps * per_cpp

    cpp_idx = np.repeat(np.arange(n_cpps), per_cpp)
    cpp_effect = rng.normal(0, 0.4, n_cpps)
    cpp_theme = rng.normal(0, 0.25, (n_cpps, len(themes)))
    item_effect = rng.normal(0, 0.2, len(items))
    partner_ids = list(_PARTNER_MIX)
    p = np.array(list(_PARTNER_MIX.values()))
    partner = rng.choice(len(partner_ids), size=n, p=p / p.sum())
    u = (
        rng.normal(0, 0.6, n)
        + np.array([_PARTNER_EFFECT.get(x, 0.0) for x in partner_ids])[partner]
    )
    dk_propensity = rng.lognormal(0, 0.5, n)
    partner_dk = np.array([_PARTNER_DONT_KNOW.get(x, 0.0) for x in partner_ids])[partner]

    labels = {o.code: o.label for o in cb.scale}
    score_label = np.array(
        ["", labels["strongly_disagree"], labels["disagree"], labels["agree"]]
        + [labels["strongly_agree"]],
        dtype=object,
    )
    theme_index = {t: i for i, t in enumerate(themes)}
    columns: dict[str, np.ndarray] = {}
    theme_scores: dict[str, list[np.ndarray]] = {t: [] for t in themes}
    for j, st in enumerate(items):
        t = theme_index[st.theme]
        eta = _BASE + _THEME_EFFECT[st.theme] + cpp_effect[cpp_idx] + cpp_theme[cpp_idx, t]
        eta = eta + item_effect[j] + u
        if st.theme == "governance":
            eta = eta + np.where(np.array(slugs)[cpp_idx] == WEAK_GOVERNANCE, -2.0, 0.0)
        score = 1 + ((eta + rng.logistic(size=n))[:, None] > _CUTS).sum(axis=1)
        p_dk = 0.02 + _THEME_DONT_KNOW.get(st.theme, 0) + partner_dk
        dont_know = rng.random(n) < np.minimum(0.6, p_dk * dk_propensity)
        blank = rng.random(n) < 0.02
        cell = score_label[score]
        cell[dont_know] = labels["dont_know"]
        cell[blank] = ""
        columns[st.id] = cell
        theme_scores[st.theme].append(np.where(dont_know | blank, np.nan, score))
    for theme in themes:
        scores = np.vstack(theme_scores[theme])
        answered = (~np.isnan(scores)).sum(axis=0)
        total = np.nansum(scores, axis=0)
        # as in the demo rounds, a theme without ratings counts as middling (2.5)
        mean = np.divide(total, answered, out=np.full(n, 2.5), where=answered > 0)
        says = rng.random(n) < 0.5
        strength = rng.random(n) < (mean - 1) / 3
        both = rng.random(n) < 0.25
        for kind, wanted, templates in (
            ("strengths", says & (strength | both), _STRENGTHS),
            ("improvements", says & (~strength | both), _IMPROVEMENTS),
        ):
            texts = np.array([_comment(rng, theme, templates) for _ in range(16)], dtype=object)
            col = texts[rng.integers(len(texts), size=n)]
            col[~wanted] = ""
            columns[f"{theme}:{kind}"] = col

    names = np.array([ref.cpp_name(s) for s in slugs], dtype=object)
    typed = names[cpp_idx].copy()
    lower = rng.random(n) < 0.1
    typed[lower] = np.char.lower(typed[lower].astype(str)).astype(object)
    partner_labels = ref.partner_types.set_index("id")["label"]
    order = rng.permutation(n)
    frame = pd.DataFrame(
        {
            ID_COLUMN: [f"S-{i + 1:06d}" for i in order],
            CPP_COLUMN: typed,
            PARTNER_COLUMN: [str(partner_labels[partner_ids[k]]) for k in partner],
            **columns,
        }
    )
    frame = frame.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)
    header = {st.id: st.text for st in cb.statements}
    for t in cb.themes:
        header[f"{t.id}:strengths"] = t.strengths_question
        header[f"{t.id}:improvements"] = t.improvements_question
    return frame.rename(columns=header)
