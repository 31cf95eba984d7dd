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
        """Titles of the themes significantly 'higher' or 'lower' than the rest of Scotland."""
        th = self.themes
        return [self.theme_title(x) for x in th.loc[th["significance"] == significance, "theme"]]

    def divided_items(self, theme_id: str) -> pd.DataFrame:
        items = self.items_of(theme_id)
        return items[items["divided"].fillna(False).astype(bool) & ~items["suppressed"]]

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
                "Difference": t.points(r["diff_pp"]),
                "Compared with the rest of Scotland": t.significance(
                    r["significance"], versus=None
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
            if r["suppressed"] or t.missing(r["pct_positive"]):
                rows.append((text, "not shown", "", "", "", "", "", "Too few answers to show"))
                continue
            rows.append(
                (
                    text,
                    int(r["n_valid"]),
                    t.pct(r["pct_positive"]),
                    t.pct_interval(r["ci_low"], r["ci_high"]),
                    t.pct(r["pct_dont_know"]),
                    t.pct(r["rest_pct_positive"]),
                    t.points(r["diff_pp"]),
                    t.significance(r["significance"], versus=None),
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

    def change_table(self) -> pd.DataFrame:
        rows = [
            (
                self.theme_title(r["theme"]),
                t.pct(r["score_base"]),
                t.pct(r["score"]),
                t.points(r["diff_pp"]),
                t.significance(r["significance"], versus=str(self.baseline))
                .replace("Significantly higher than", "Significantly up on")
                .replace("Significantly lower than", "Significantly down on"),
            )
            for _, r in self.change_themes.iterrows()
        ]
        return pd.DataFrame(
            rows,
            columns=["Theme", str(self.baseline), self.round, "Change", "Is the change clear?"],
        )

    # -- about -----------------------------------------------------------------------

    @property
    def parameters(self) -> dict[str, str]:
        """The notebook's parameters, as the provenance block prints them."""
        return {"round": self.round, "cpp": self.cpp}


ITEM_TABLE_COLUMNS = [
    "Statement",
    "Members who gave a view",
    "% positive",
    "95% interval",
    "% Don't know",
    REST,
    "Difference",
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
