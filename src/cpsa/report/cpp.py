"""The data of one CPP's report, for ``notebooks/cpp_report.ipynb``: ``load(round, cpp)``.

The notebook holds the report's headings and prose; it asks this module for
numbers. :func:`load` reads the CPP's own ``by_cpp/<slug>/`` tables (through
:mod:`cpsa.tables.read`, so through the schema) and returns a frozen
:class:`CppData` whose small, named accessors give the rows, estimates and
lists the notebook weaves into text and charts. Nothing about another CPP can
reach it; the rest of Scotland appears only as pooled figures.

A CPP's % positive on one statement: ``CppData.items`` (this module) reads the
``pct_positive`` column declared in :mod:`cpsa.tables.schema`, computed by
:func:`cpsa.stats.scoring.add_item_measures` (``100 * n_positive / n_valid``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.data.codebook import Codebook, Theme, load_codebook
from cpsa.data.reference import load_reference
from cpsa.report import areas as areas_mod
from cpsa.report import charts, md
from cpsa.report import text as t
from cpsa.report import verdicts as v
from cpsa.tables.read import CppBundle, bundle_dir, load_cpp_bundle

REST = "Rest of Scotland"
BOARD = "This board"


def _num(x) -> float | None:
    return None if t.missing(x) else float(x)


@dataclass(frozen=True)
class CppData:
    """One CPP's round, name, codebook and tables, with the accessors its report uses."""

    round: str
    cpp: str
    name: str
    config: RoundConfig
    codebook: Codebook
    bundle: CppBundle
    paths: Paths

    # -- who and what ----------------------------------------------------------------

    @property
    def board(self) -> str:
        return f"{self.name} Community Planning Partnership"

    @property
    def title(self) -> str:
        return self.config.title

    @property
    def synthetic(self) -> bool:
        return self.config.synthetic

    @property
    def baseline(self) -> str | None:
        return self.config.baseline

    @property
    def reportable(self) -> bool:
        return self.bundle.reportable

    @property
    def summary(self) -> dict:
        return self.bundle.summary

    @property
    def min_respondents(self) -> int:
        return int(self.summary["thresholds"]["min_respondents_report"])

    @property
    def themes_in_order(self) -> tuple[Theme, ...]:
        return tuple(self.codebook.themes)

    def theme_title(self, theme_id: str) -> str:
        return self.codebook.theme(theme_id).title

    def statement(self, item: str) -> str:
        return self.codebook.statement(item).text

    # -- tables ----------------------------------------------------------------------

    @property
    def items(self) -> pd.DataFrame:
        """``items.csv``: one row per statement (see docs/tables.md)."""
        return self.bundle.items

    @property
    def themes(self) -> pd.DataFrame:
        """``themes.csv`` in codebook order: one row per theme with a result."""
        order = {th.id: i for i, th in enumerate(self.codebook.themes)}
        df = self.bundle.themes
        return df.iloc[df["theme"].map(order).argsort(kind="stable")].reset_index(drop=True)

    def items_of(self, theme_id: str) -> pd.DataFrame:
        """The theme's statements in codebook order."""
        ids = [s.id for s in self.codebook.statements_in(theme_id)]
        items = self.items
        pos = {i: k for k, i in enumerate(ids)}
        sub = items[items["item"].isin(pos)]
        return sub.iloc[sub["item"].map(pos).argsort(kind="stable")].reset_index(drop=True)

    def shown_items_of(self, theme_id: str) -> pd.DataFrame:
        """The theme's statements with a figure (not suppressed)."""
        items = self.items_of(theme_id)
        return items[~items["suppressed"] & items["pct_positive"].notna()]

    def comments_of(self, theme_id: str, kind: str) -> list[str]:
        """What members wrote on a theme ('strengths' or 'improvements'), sorted."""
        c = self.bundle.comments
        mine = c[(c["theme"] == theme_id) & (c["kind"] == kind)]
        return sorted(str(x) for x in mine["text"].dropna())

    # -- lists -----------------------------------------------------------------------

    def strengths(self) -> tuple[areas_mod.Area, ...]:
        return areas_mod.select(self.items, self.codebook, "strength")

    def improvements(self) -> tuple[areas_mod.Area, ...]:
        return areas_mod.select(self.items, self.codebook, "improvement")

    def information_gaps(self) -> tuple[areas_mod.Area, ...]:
        return areas_mod.select(self.items, self.codebook, "information_gap")

    def planning_areas(self) -> tuple[areas_mod.Area, ...]:
        return areas_mod.planning_areas(self.items, self.codebook)

    def themes_where(self, significance: str) -> list[str]:
        """Titles of the themes significantly 'higher' or 'lower' than the rest of Scotland
        (the verdict and its difference interval agree)."""
        want = f"Significantly {significance}"
        return [
            self.theme_title(r["theme"])
            for _, r in self.themes.iterrows()
            if t.significance(
                r["significance"], versus=None, low=r["diff_ci_low"], high=r["diff_ci_high"]
            )
            == want
        ]

    def polarised_items(self, theme_id: str) -> pd.DataFrame:
        """The theme's statements on which members are polarised (``polarised``)."""
        items = self.items_of(theme_id)
        return items[items["polarised"].fillna(False).astype(bool) & ~items["suppressed"]]

    @property
    def rest_comparison(self) -> bool:
        """Whether rest-of-Scotland figures are published this round (summary)."""
        return bool(self.summary.get("rest_comparison", True))

    @property
    def in_pooled_figures(self) -> bool:
        """Whether this CPP's answers are in the national and rest-of-Scotland figures."""
        return bool(self.summary.get("in_pooled_figures", False))

    # -- verdicts (issue 12 wording) -----------------------------------------------------

    def theme_detectable(self, r: pd.Series) -> float | None:
        """The difference from the rest of Scotland a board of this size could detect."""
        d = v.detectable_difference_mean(
            int(r["n_respondents"] or 0),
            _num(r["sd"]),
            int(0 if t.missing(r["rest_n_respondents"]) else r["rest_n_respondents"]),
            _num(r["rest_sd"]),
        )
        return None if t.missing(d) else d

    def theme_verdicts(self) -> list[str]:
        """One sentence per theme: estimate, interval, rest of Scotland, difference, verdict."""
        return [
            v.verdict_sentence(
                md.escape(self.theme_title(r["theme"])),
                r["score"],
                r["ci_low"],
                r["ci_high"],
                comparison="the rest of Scotland",
                comparison_value=r["rest_score"],
                diff=r["diff_pp"],
                diff_low=r["diff_ci_low"],
                diff_high=r["diff_ci_high"],
                significance=str(r["significance"] or ""),
                detectable=self.theme_detectable(r),
            )
            for _, r in self.themes.iterrows()
            if not t.missing(r["score"])
        ]

    def undetected_themes(self) -> tuple[list[str], list[float]]:
        """Titles of the compared themes whose difference could not be told apart from chance,
        and the difference a board of this size could detect on each."""
        titles, sizes = [], []
        for _, r in self.themes.iterrows():
            verdict = t.significance(
                r["significance"], versus=None, low=r["diff_ci_low"], high=r["diff_ci_high"]
            )
            if verdict == "Not told apart from chance":
                titles.append(self.theme_title(r["theme"]))
                d = self.theme_detectable(r)
                if d is not None:
                    sizes.append(d)
        return titles, sizes

    # -- theme profile ---------------------------------------------------------------

    def theme_estimates(self) -> list[tuple[str, list[charts.Estimate]]]:
        """The board's and the rest of Scotland's theme scores with their 95% intervals."""
        th = self.themes
        titles = [self.theme_title(x) for x in th["theme"]]
        board = [
            charts.Estimate(ti, _num(r["score"]), _num(r["ci_low"]), _num(r["ci_high"]))
            for ti, (_, r) in zip(titles, th.iterrows(), strict=True)
        ]
        rest = [
            charts.Estimate(
                ti, _num(r["rest_score"]), _num(r["rest_ci_low"]), _num(r["rest_ci_high"])
            )
            for ti, (_, r) in zip(titles, th.iterrows(), strict=True)
        ]
        return [(BOARD, board), (REST, rest)]

    def theme_table(self) -> pd.DataFrame:
        """The theme profile's data table (formatted as printed)."""
        rows = [
            {
                "Theme": self.theme_title(r["theme"]),
                BOARD: t.pct(r["score"]),
                "95% interval": t.pct_interval(r["ci_low"], r["ci_high"]),
                REST: t.pct(r["rest_score"]),
                f"{REST}, 95% interval": t.pct_interval(r["rest_ci_low"], r["rest_ci_high"]),
                "Difference (95% interval)": _diff(r),
                "Compared with the rest of Scotland": t.significance(
                    r["significance"], versus=None, low=r["diff_ci_low"], high=r["diff_ci_high"]
                ),
            }
            for _, r in self.themes.iterrows()
        ]
        return pd.DataFrame(rows)

    # -- statements of one theme -------------------------------------------------------

    def likert_rows(self, theme_id: str) -> list[charts.LikertRow]:
        return [
            charts.LikertRow(
                label=self.statement(r["item"]),
                strongly_agree=int(r["n_strongly_agree"]),
                agree=int(r["n_agree"]),
                disagree=int(r["n_disagree"]),
                strongly_disagree=int(r["n_strongly_disagree"]),
                dont_know=int(r["n_dont_know"]),
            )
            for _, r in self.shown_items_of(theme_id).iterrows()
        ]

    def item_table(self, theme_id: str) -> pd.DataFrame:
        """A theme's figures for each statement (formatted as printed)."""
        rows = []
        for _, r in self.items_of(theme_id).iterrows():
            text = self.statement(r["item"])
            if r["suppressed"] or bool(r["too_few_valid"]) or t.missing(r["pct_positive"]):
                rows.append((text, "not shown", "", "", "", "", "", "Too few answers to show"))
                continue
            n_answered = int(r["n_valid"]) + int(r["n_dont_know"])
            rows.append(
                (
                    text,
                    int(r["n_valid"]),
                    v.share(r["n_positive"], r["n_valid"]),
                    t.pct_interval(r["ci_low"], r["ci_high"]),
                    v.share(r["n_dont_know"], n_answered),
                    t.pct(r["rest_pct_positive"]),
                    _diff(r),
                    t.significance(
                        r["significance"], versus=None, low=r["diff_ci_low"], high=r["diff_ci_high"]
                    ),
                )
            )
        return pd.DataFrame(rows, columns=ITEM_TABLE_COLUMNS).astype(str)

    # -- change ----------------------------------------------------------------------

    @property
    def change_themes(self) -> pd.DataFrame:
        """``change_themes.csv`` in codebook order."""
        order = {th.id: i for i, th in enumerate(self.codebook.themes)}
        df = self.bundle.change_themes
        return df.iloc[df["theme"].map(order).argsort(kind="stable")].reset_index(drop=True)

    @property
    def has_change(self) -> bool:
        """Whether change since the baseline can be shown for this board."""
        ch = self.bundle.change_themes
        return bool(self.baseline) and not ch.empty and not ch["suppressed"].all()

    def changed(self, significance: str) -> list[str]:
        """Titles of the themes significantly 'higher' or 'lower' than in the baseline."""
        ch = self.change_themes
        return [
            md.escape(self.theme_title(x))
            for x in ch.loc[ch["significance"] == significance, "theme"]
        ]

    def change_detectable(self, r: pd.Series) -> float | None:
        """The change a board of this size could detect (this round's spread for both rounds)."""
        th = self.themes.set_index("theme")
        if r["theme"] not in th.index:
            return None
        sd = _num(th.loc[r["theme"], "sd"])
        d = v.detectable_difference_mean(
            int(r["n_respondents"] or 0), sd, int(r["n_respondents_base"] or 0), sd
        )
        return None if t.missing(d) else d

    def change_detectables(self) -> list[float]:
        """The change a board of this size could detect on each theme without a clear change."""
        if not self.has_change:
            return []
        out = []
        for _, r in self.change_themes.iterrows():
            if r["suppressed"] or r["significance"] in ("higher", "lower"):
                continue
            d = self.change_detectable(r)
            if d is not None:
                out.append(d)
        return out

    def change_sentences(self) -> list[str]:
        """Change on each theme: both figures, both member counts, change with its interval."""
        return [
            v.change_sentence(
                md.escape(self.theme_title(r["theme"])),
                r["score"],
                r["score_base"],
                n_now=int(r["n_respondents"]),
                n_base=int(r["n_respondents_base"]),
                diff=r["diff_pp"],
                diff_low=r["diff_ci_low"],
                diff_high=r["diff_ci_high"],
                significance=str(r["significance"] or ""),
                baseline=md.escape(str(self.baseline)),
                detectable=self.change_detectable(r),
            )
            for _, r in self.change_themes.iterrows()
            if not r["suppressed"] and not t.missing(r["score"]) and not t.missing(r["score_base"])
        ]

    def change_table(self) -> pd.DataFrame:
        rows = [
            (
                self.theme_title(r["theme"]),
                f"{t.pct(r['score_base'])} ({_n(r['n_respondents_base'])})",
                f"{t.pct(r['score'])} ({_n(r['n_respondents'])})",
                _diff(r),
                t.significance(
                    r["significance"],
                    versus=str(self.baseline),
                    low=r["diff_ci_low"],
                    high=r["diff_ci_high"],
                )
                .replace("Significantly higher than", "Significantly up on")
                .replace("Significantly lower than", "Significantly down on"),
            )
            for _, r in self.change_themes.iterrows()
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "Theme",
                f"{self.baseline} (members)",
                f"{self.round} (members)",
                "Change (95% interval)",
                "Is the change clear?",
            ],
        )

    # -- about -----------------------------------------------------------------------

    @property
    def parameters(self) -> dict[str, str]:
        """The notebook's parameters, as the provenance block prints them."""
        return {"round": self.round, "cpp": self.cpp}


def _n(x) -> str:
    return "—" if t.missing(x) else str(int(x))


def _diff(r: pd.Series) -> str:
    """ "−18 points (−38 to −2)": a difference with its 95% interval."""
    if t.missing(r["diff_pp"]):
        return "not shown"
    out = t.points(r["diff_pp"])
    if not t.missing(r["diff_ci_low"]) and not t.missing(r["diff_ci_high"]):
        span = v.interval(r["diff_ci_low"], r["diff_ci_high"], signed=True)
        out += f" ({span.removeprefix('95% interval ').removesuffix(' points')})"
    return out


ITEM_TABLE_COLUMNS = [
    "Statement",
    "Members who gave a view",
    "% positive (count if under 10)",
    "95% interval",
    "% Don't know",
    REST,
    "Difference (95% interval)",
    "Compared with the rest of Scotland",
]
ITEM_TABLE_ALIGN = ["l", "r", "r", "r", "r", "r", "r", "l"]


def load(round: str, cpp: str, *, paths: Paths | None = None) -> CppData:  # noqa: A002
    """Everything one CPP's report shows: ``round`` and ``cpp`` are the notebook's parameters."""
    paths = paths or get_paths()
    config = load_round(round, paths)
    if cpp not in config.cpps:
        raise ConfigError(
            f"CPP {cpp!r} is not taking part in round {round!r}; "
            f"choose one of: {', '.join(config.cpps)}"
        )
    return CppData(
        round=round,
        cpp=cpp,
        name=load_reference(paths).cpp_name(cpp),
        config=config,
        codebook=load_codebook(config.codebook, paths),
        bundle=load_cpp_bundle(bundle_dir(round, cpp, paths), cpp=cpp),
        paths=paths,
    )
