"""What ``notebooks/national_report.ipynb`` reads: named accessors over the national tables,
and the few sentences whose wording depends on the data.

The narrative itself (headings, fixed prose, the order of sections) lives in the
notebook. This module only answers questions ("how many partnerships took part?",
"which partner-type differences are significant?") from the tables written by
``cpsa tables``, and words the answers whose shape varies (lists, "no theme …").

The overview names the CPPs that took part (participation is public) but never
puts a result next to a name: variation between CPPs is shown as percentiles of
an unlabelled distribution, and only when at least ``thresholds.min_reported_cpps``
CPPs are reported. It quotes no comment: topics are counted, never quoted.

Sentences for significance are written here because ``cpsa.report.verdicts``
(the shared wording functions) had not landed when this was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cpsa.config import Paths, RoundConfig, get_paths, load_round
from cpsa.data.codebook import Codebook, load_codebook
from cpsa.data.reference import Reference, load_reference
from cpsa.errors import ConfigError
from cpsa.report import md
from cpsa.report import text as t
from cpsa.report import verdicts as vd
from cpsa.report.charts import LikertRow
from cpsa.tables.read import NationalTables, load_national, resolve_dir

TECHNICAL_REPORT = "technical-report.html"  # next to national.html in outputs/<round>/reports/
KIND_WORDS = {"strengths": "what works well", "improvements": "what could improve"}


def _num(x) -> float | None:
    return None if t.missing(x) else float(x)


def _sig(x) -> str:
    """'higher' / 'lower' / '' from a table's significance column."""
    return x if x in ("higher", "lower") else ""


def long_date(iso: str) -> str:
    """'2026-03-31' -> '31 March 2026' (the publication date, from round.yaml, never the clock)."""
    d = dt.date.fromisoformat(str(iso))
    return f"{d.day} {d.strftime('%B')} {d.year}"


# --------------------------------------------------------------------------- sentences


def participation_sentence(
    n_participating: int,
    n_total: int,
    n_answered: int,
    invited: int | None,
    *,
    n_reported: int,
    n_counted: int,
) -> str:
    """Partnerships and members who took part, and who is counted in the national figures."""
    s = (
        f"{n_participating} of Scotland's {n_total} Community Planning Partnerships took part: "
        f"{n_answered} board members answered"
    )
    s += f" out of {invited} invited ({t.pct(100 * n_answered / invited)})." if invited else "."
    if n_reported < n_participating:
        s += (
            f" The national figures use the {n_counted} members of the {n_reported} partnerships "
            "where enough members answered."
        )
    return s


def themes_sentence(themes: pd.DataFrame, *, highest: bool = True) -> str:
    """The highest (or lowest) theme by score; ``themes`` has ``title`` and ``score``."""
    shown = themes[themes["score"].notna()]
    if shown.empty:
        return "No theme score can be shown."
    r = shown.loc[shown["score"].idxmax() if highest else shown["score"].idxmin()]
    return (
        f"The {'highest' if highest else 'lowest'} theme score was for {md.escape(r['title'])} "
        f"({t.pct(r['score'])})."
    )


def variation_sentence(rows: pd.DataFrame, *, min_cpps: int) -> str:
    """How much boards vary, from the rounded quartiles only, and how many CPP theme scores
    differ from the rest of Scotland within the stated Benjamini–Hochberg family.

    ``rows``: title, n_cpps, q25, median, q75, n_higher, n_lower, n_tests_family. Nothing
    about the spread is said when fewer than ``min_cpps`` partnerships are reported.
    """
    ok = rows[(rows["n_cpps"] >= min_cpps) & rows["q25"].notna() & rows["q75"].notna()]
    if ok.empty:
        return (
            f"Fewer than {min_cpps} partnerships could be reported, so the variation between "
            "them is not shown."
        )
    spread = ok["q75"] - ok["q25"]
    wide = ok.loc[spread.idxmax()]
    narrow = ok.loc[spread.idxmin()]
    if spread.max() == spread.min():
        s = f"On every theme the middle half of partnerships span {t.pct(spread.max())[:-1]} points"
    else:
        s = (
            f"Boards vary most on {md.escape(wide['title'])}, where the middle half of "
            f"partnerships score between {t.pct(wide['q25'])} and {t.pct(wide['q75'])}, and "
            f"least on {md.escape(narrow['title'])} ({t.pct(narrow['q25'])} to "
            f"{t.pct(narrow['q75'])})"
        )
    s += " (quartiles, rounded to the nearest 5%)."
    hi, lo = int(ok["n_higher"].sum()), int(ok["n_lower"].sum())
    family = int(rows["n_tests_family"].max()) if len(rows) else 0
    return s + (
        f" Of the {family} comparisons of a partnership's theme score with the rest of Scotland "
        f"(one Benjamini–Hochberg family over every partnership and theme), {hi} "
        f"{'is' if hi == 1 else 'are'} significantly above and {lo} significantly below; the "
        "others could not be told apart from chance."
    )


def partner_sentence(headlines: Sequence[str]) -> str:
    """``headlines``: :func:`cpsa.report.verdicts.partner_type_headline` of each theme with a
    significant difference (only those are named)."""
    if not headlines:
        return (
            "On every theme, the difference between each partner type and all other members "
            "could not be told apart from chance, once the number of comparisons is allowed for."
        )
    return " ".join(headlines)


def change_summary(rows: pd.DataFrame, *, baseline: str, scope_words: str) -> str:
    """One scope's change since the baseline for the key findings: the themes whose change is
    significant (each with estimate and 95% interval), or the range of the changes."""
    if rows.empty:
        return ""
    n_now, n_base = int(rows["n_cpps"].max()), int(rows["n_cpps_base"].max())
    head = (
        f"{scope_words} ({n_base} partnerships in {md.escape(baseline)}, {n_now} in this round): "
    )
    sig = rows[rows["significance"].isin(["higher", "lower"])]
    if sig.empty:
        return head + (
            "no theme's change could be told apart from chance (changes from "
            f"{vd.points(rows['diff'].min())} to {vd.points(rows['diff'].max())})."
        )
    parts = [
        f"{md.escape(r['title'])} {'rose' if r['significance'] == 'higher' else 'fell'} "
        f"({vd.points(r['diff'])}; {vd.interval(r['diff_ci_low'], r['diff_ci_high'], signed=True)})"
        for _, r in sig.iterrows()
    ]
    rest = len(rows) - len(sig)
    tail = (
        f"; the change in {t.count(rest, 'other theme')} could not be told apart from chance"
        if rest
        else ""
    )
    return head + "; ".join(parts) + tail + "."


def detectable_change(diff_low, diff_high) -> float | None:
    """Size of change detectable with 80% power at the 5% level, from the 95% interval's
    half-width: (z_0.975 + z_0.8) × SE, SE = half-width / z_0.975 (normal approximation)."""
    if t.missing(diff_low) or t.missing(diff_high):
        return None
    return (float(diff_high) - float(diff_low)) / 2 * (1.959964 + 0.841621) / 1.959964


def topics_sentence(topics: pd.DataFrame) -> str:
    """The most raised topic of a theme's strengths and improvements comments."""
    bits = []
    for kind in ("strengths", "improvements"):
        sub = topics[(topics["kind"] == kind) & (topics["topic"] > 0) & ~topics["suppressed"]]
        if sub.empty:
            continue
        top = sub.sort_values("topic").iloc[0]
        bits.append(
            f"on {KIND_WORDS[kind]}, the most common topic was “{md.escape(top['label'])}” "
            f"({t.count(int(top['n_comments']), 'comment')} from "
            f"{t.count(int(top['n_cpps']), 'partnership')})"
        )
    if not bits:
        return "Too few comments on this theme share a topic to report one."
    s = "; ".join(bits)
    return s[0].upper() + s[1:] + "."


# --------------------------------------------------------------------------- accessors


@dataclass(frozen=True)
class NationalReport:
    """The national tables of a round, with one small accessor per fact the overview states."""

    round: str
    config: RoundConfig
    codebook: Codebook
    reference: Reference
    tables: NationalTables
    tables_dir: str
    synthetic: bool
    baseline: str | None
    paths: Paths

    @classmethod
    def load(
        cls,
        *,
        round: str,  # noqa: A002  (the notebook parameter's name)
        tables_dir: str | Path,
        synthetic: bool,
        baseline: str | None,
        paths: Paths | None = None,
    ) -> NationalReport:
        paths = paths or get_paths()
        config = load_round(round, paths)
        if bool(synthetic) != config.synthetic:
            raise ConfigError(
                f"parameter synthetic={synthetic} contradicts params/{round}/round.yaml "
                f"(synthetic: {config.synthetic}); re-run `cpsa params --round {round}`"
            )
        directory = resolve_dir(tables_dir, paths)
        return cls(
            round=round,
            config=config,
            codebook=load_codebook(config.codebook, paths),
            reference=load_reference(paths),
            tables=load_national(directory),
            tables_dir=str(tables_dir),
            synthetic=config.synthetic,
            baseline=baseline,
            paths=paths,
        )

    # -- publication ------------------------------------------------------------------

    @property
    def publication_date(self) -> str:
        pub = self.config.publication
        if pub is None:
            raise ConfigError(
                f"params/{self.round}/round.yaml has no publication: {{date, contact}}; "
                "the national overview needs both"
            )
        return long_date(pub.date)

    @property
    def contact(self) -> str:
        return md.escape(self.config.publication.contact) if self.config.publication else ""

    @property
    def min_cpps(self) -> int:
        return self.config.thresholds.min_reported_cpps

    def provenance_line(self) -> str:
        """One line for the public overview: data checksum and package version, nothing else."""
        import cpsa
        from cpsa.pipeline.provenance import data_manifest

        sha = data_manifest(self.round, self.paths).get("sha256") or "unknown"
        return (
            f"Produced with cpsa {cpsa.__version__} from survey data with SHA-256 checksum "
            f"{sha[:16]}…; the full provenance is in the technical report."
        )

    # -- participation ---------------------------------------------------------------

    def _table(self, name: str) -> pd.DataFrame:
        df = self.tables.get(name)
        if df is None:
            raise ConfigError(
                f"{self.tables_dir} has no {name}.csv; re-run `cpsa tables --round {self.round}`"
            )
        return df

    def _all_row(self) -> pd.Series:
        part = self._table("participation")
        return part[part["group"] == "all"].iloc[0]

    @property
    def n_cpps_total(self) -> int:
        return len(self.reference.cpps)

    @property
    def n_cpps_participating(self) -> int:
        return len(self.config.cpps)

    @property
    def n_cpps_reported(self) -> int:
        return int(self._all_row()["n_cpps_reported"])

    @property
    def n_respondents(self) -> int:
        """Members counted in the national figures (CPPs below the minimum are left out)."""
        return int(self._all_row()["n_respondents"])

    @property
    def members_invited(self) -> int | None:
        v = self._all_row()["members_invited"]
        return None if t.missing(v) else int(v)

    def participating(self) -> pd.DataFrame:
        """Every participating CPP by name with members invited and answering (no results)."""
        pc = self._table("participation_cpps")
        out = pd.DataFrame(
            {
                "Partnership": [self.reference.cpp_name(s) for s in pc["cpp"]],
                "Board members invited": pc["members_invited"],
                "Board members who answered": pc["n_respondents"],
            }
        )
        return out.sort_values("Partnership", kind="mergesort").reset_index(drop=True)

    def participation_list(self) -> str:
        """The participating CPPs as a Markdown list, counts of people only."""
        items = []
        for _, r in self.participating().iterrows():
            inv = r["Board members invited"]
            of = "" if t.missing(inv) else f" of {int(inv)} invited"
            items.append(
                f"{md.escape(r['Partnership'])}: {int(r['Board members who answered'])}{of}"
            )
        return md.bullets(items)

    def not_participating(self) -> list[str]:
        taking_part = set(self.config.cpps)
        return sorted(
            n
            for s, n in zip(self.reference.cpps["slug"], self.reference.cpps["name"], strict=True)
            if s not in taking_part
        )

    @property
    def n_answered(self) -> int:
        """Every member who answered, in every participating CPP (counted or not)."""
        return int(self._table("participation_cpps")["n_respondents"].sum())

    @property
    def n_invited_all(self) -> int | None:
        inv = self._table("participation_cpps")["members_invited"]
        return None if inv.isna().any() else int(inv.sum())

    def participation_sentence(self) -> str:
        """Who took part, then (when results are published) who is in the national figures
        and why, by :meth:`exclusion_sentence`."""
        if not self.results_allowed:
            return participation_sentence(
                self.n_cpps_participating,
                self.n_cpps_total,
                self.n_answered,
                self.n_invited_all,
                n_reported=self.n_cpps_reported,
                n_counted=self.n_respondents,
            )
        first = participation_sentence(
            self.n_cpps_participating,
            self.n_cpps_total,
            self.n_answered,
            self.n_invited_all,
            n_reported=self.n_cpps_participating,
            n_counted=self.n_respondents,
        )
        return first + " " + self.exclusion_sentence()

    @property
    def n_cpps_below_minimum(self) -> int:
        return self.n_cpps_participating - self.n_cpps_reported

    @property
    def results_allowed(self) -> bool:
        """National results are published only when at least ``min_reported_cpps`` CPPs are
        reported: with fewer, a partnership could subtract its own answers from the national
        figures and learn the others'."""
        return self.n_cpps_reported >= self.min_cpps

    def withheld_sentence(self) -> str:
        return (
            f"Only {t.count(self.n_cpps_reported, 'partnership')} had enough members answering "
            f"to be reported, fewer than the {self.min_cpps} needed before national figures "
            "are published (with fewer, a partnership could take its own answers away from the "
            "national figures and work out the others'). This overview therefore shows who took "
            "part, and no results."
        )

    def exclusion_sentence(self) -> str:
        """'243 board members answered; 240 are in the national figures because …'."""
        k = self.n_cpps_below_minimum
        th = self.config.thresholds
        reason = (
            f"{t.count(k, 'partnership')} had fewer than {th.min_respondents_report} members "
            f"answering, and {'its' if k == 1 else 'their'} "
            f"{self.n_answered - self.n_respondents} answers are left out of every national "
            "figure so that no small board's answers can be picked out"
        )
        return vd.exclusion_sentence(self.n_answered, self.n_respondents, reason)

    def partner_type_counts(self) -> pd.DataFrame:
        part = self._table("participation")
        g = part[part["group"] != "all"].copy()
        g["Partner type"] = g["group"].map(self.partner_labels())
        g = g.sort_values(["n_respondents", "group"], ascending=[False, True])
        return pd.DataFrame(
            {
                "Partner type": g["Partner type"],
                "Members who answered": [
                    None if s else int(n)
                    for s, n in zip(g["suppressed"], g["n_respondents"], strict=True)
                ],
                "% of all who answered": [
                    None if s else round(float(p))
                    for s, p in zip(g["suppressed"], g["pct_of_respondents"], strict=True)
                ],
            }
        ).reset_index(drop=True)

    def partner_labels(self) -> dict[str, str]:
        pt = self.reference.partner_types
        return dict(zip(pt["id"], pt["label"], strict=True))

    # -- themes and statements --------------------------------------------------------

    def theme_title(self, theme: str) -> str:
        return self.codebook.theme(theme).title

    def theme_ids(self) -> list[str]:
        return [th.id for th in self.codebook.themes]

    def themes(self) -> pd.DataFrame:
        """theme, title, score (mean of members' % agreement), ci_low, ci_high, n_respondents."""
        nt = self._table("national_themes").set_index("theme")
        rows = []
        for th in self.codebook.themes:
            r = nt.loc[th.id] if th.id in nt.index else None
            rows.append(
                {
                    "theme": th.id,
                    "title": th.title,
                    "score": _num(r["score"]) if r is not None else None,
                    "ci_low": _num(r["ci_low"]) if r is not None else None,
                    "ci_high": _num(r["ci_high"]) if r is not None else None,
                    "n_respondents": int(r["n_respondents"]) if r is not None else None,
                }
            )
        return pd.DataFrame(rows)

    def theme_table(self) -> pd.DataFrame:
        th = self.themes()
        return pd.DataFrame(
            {
                "Theme": th["title"],
                "Theme score": [t.pct(v) for v in th["score"]],
                "95% interval": [
                    t.pct_interval(a, b) for a, b in zip(th["ci_low"], th["ci_high"], strict=True)
                ],
                "Members": th["n_respondents"],
            }
        )

    def items(self, theme: str | None = None) -> pd.DataFrame:
        ni = self._table("national_items")
        order = {s.id: i for i, s in enumerate(self.codebook.statements)}
        ni = ni.assign(_o=ni["item"].map(order), text=ni["item"].map(self.statement_text))
        if theme is not None:
            ni = ni[ni["theme"] == theme]
        return ni.sort_values("_o").reset_index(drop=True)

    def statement_text(self, item: str) -> str:
        return self.codebook.statement(item).text

    def likert(self, theme: str) -> list[LikertRow]:
        return [
            LikertRow(
                r["text"],
                int(r["n_strongly_agree"]),
                int(r["n_agree"]),
                int(r["n_disagree"]),
                int(r["n_strongly_disagree"]),
                int(r["n_dont_know"]),
            )
            for _, r in self.items(theme).iterrows()
        ]

    def likert_table(self, theme: str) -> pd.DataFrame:
        """The data table behind a theme's Likert chart (shares as whole percentages)."""
        rows = []
        for c in self.likert(theme):
            rows.append(
                {
                    "Statement": c.label,
                    "Strongly disagree": t.pct(c.share("strongly_disagree")),
                    "Disagree": t.pct(c.share("disagree")),
                    "Agree": t.pct(c.share("agree")),
                    "Strongly agree": t.pct(c.share("strongly_agree")),
                    "% positive": t.pct(c.share("agree") + c.share("strongly_agree")),
                    "Don't know": t.pct(c.share("dont_know")),
                    "Members who gave a view": c.n_valid,
                }
            )
        return pd.DataFrame(rows)

    def top_statements(self, n: int = 5, *, highest: bool = True) -> pd.DataFrame:
        items = self.items()
        items = items[items["pct_positive"].notna()]
        items = items.sort_values(["pct_positive", "_o"], ascending=[not highest, True])
        return items.head(n).reset_index(drop=True)

    def statement_bullets(self, n: int = 5, *, highest: bool = True) -> str:
        return md.bullets(
            f"{md.escape(r['text'])} ({t.pct(r['pct_positive'])} positive)"
            for _, r in self.top_statements(n, highest=highest).iterrows()
        )

    # -- variation between partnerships -------------------------------------------------

    def variation(self) -> pd.DataFrame:
        """title, n_cpps, q25, median, q75 (rounded quartiles), n_higher, n_lower,
        n_tests_family per theme (anonymised)."""
        v = self._table("variation_themes").set_index("theme")
        rows = []
        for th in self.codebook.themes:
            if th.id not in v.index:
                continue
            r = v.loc[th.id]
            rows.append(
                {
                    "theme": th.id,
                    "title": th.title,
                    "n_cpps": int(r["n_cpps"]),
                    "q25": _num(r["score_q25"]),
                    "median": _num(r["score_median"]),
                    "q75": _num(r["score_q75"]),
                    "n_higher": int(r["n_higher"]),
                    "n_lower": int(r["n_lower"]),
                    "n_tests_family": int(r["n_tests_family"]),
                }
            )
        return pd.DataFrame(rows)

    def variation_shown(self) -> pd.DataFrame:
        """The themes whose variation may be shown (at least ``min_reported_cpps`` CPPs)."""
        v = self.variation()
        return v[(v["n_cpps"] >= self.min_cpps) & v["q25"].notna()].reset_index(drop=True)

    def variation_sentence(self) -> str:
        return variation_sentence(self.variation(), min_cpps=self.min_cpps)

    def variation_table(self) -> pd.DataFrame:
        v = self.variation_shown()
        return pd.DataFrame(
            {
                "Theme": v["title"],
                "Partnerships": v["n_cpps"],
                "Lower quartile": [t.pct(x) for x in v["q25"]],
                "Median": [t.pct(x) for x in v["median"]],
                "Upper quartile": [t.pct(x) for x in v["q75"]],
                "Significantly above rest of Scotland": v["n_higher"],
                "Significantly below rest of Scotland": v["n_lower"],
            }
        )

    # -- partner types ------------------------------------------------------------------

    def partner_types(self) -> pd.DataFrame:
        """The shown rows of ``partner_types`` with ``label`` and ``title`` added."""
        pt = self._table("partner_types")
        pt = pt[~pt["suppressed"] & pt["score"].notna()].copy()
        pt["label"] = pt["partner_type"].map(self.partner_labels())
        pt["title"] = pt["theme"].map(self.theme_title)
        pt["significance"] = pt["significance"].map(_sig)
        return pt.reset_index(drop=True)

    def partner_series(self) -> list[tuple[str, list[float | None], list[str]]]:
        pt = self.partner_types()
        out = []
        for ptype in sorted(pt["partner_type"].unique()):
            sub = pt[pt["partner_type"] == ptype].set_index("theme")
            out.append(
                (
                    self.partner_labels().get(ptype, ptype),
                    [
                        _num(sub.at[th, "score"]) if th in sub.index else None
                        for th in self.theme_ids()
                    ],
                    [
                        sub.at[th, "significance"] if th in sub.index else ""
                        for th in self.theme_ids()
                    ],
                )
            )
        return out

    def partner_table(self) -> pd.DataFrame:
        pt = self.partner_types()
        out = pt.pivot(index="title", columns="label", values="score")
        out = out.reindex([self.theme_title(th) for th in self.theme_ids()])
        out = out.map(lambda v: t.pct(v))
        out.index.name = "Theme"
        return out.reset_index()

    def partner_headlines(self) -> list[str]:
        """:func:`verdicts.partner_type_headline` of each theme with a significant difference
        (the headline names only those; gaps are of the rounded figures)."""
        pt = self.partner_types()
        out = []
        for th in self.theme_ids():
            sub = pt[pt["theme"] == th].sort_values("label")
            if not sub["significance"].isin(["higher", "lower"]).any():
                continue
            rows = [{**r, "label": md.escape(r["label"])} for r in sub.to_dict(orient="records")]
            head = vd.partner_type_headline(rows, theme=md.escape(self.theme_title(th)))
            if "could not be told apart" not in head:
                out.append(head)
        return out

    def partner_sentence(self) -> str:
        return partner_sentence(self.partner_headlines())

    # -- change since the baseline -----------------------------------------------------

    SCOPES = {
        "all": "All reported partnerships",
        "both_rounds": "Partnerships reported in both rounds (like with like)",
    }

    @property
    def has_change(self) -> bool:
        ch = self.tables.get("national_change_themes")
        return bool(self.baseline) and ch is not None and not ch.empty

    def change(self, scope: str = "all") -> pd.DataFrame:
        """One scope's rows of ``national_change_themes`` in codebook order, with title;
        ``before``/``after``/``diff`` are ``score_base``/``score``/``diff_pp``."""
        ch = self._table("national_change_themes")
        ch = ch[ch["scope"] == scope].set_index("theme")
        rows = []
        for th in self.codebook.themes:
            if th.id not in ch.index:
                continue
            r = ch.loc[th.id]
            rows.append(
                {
                    "theme": th.id,
                    "title": th.title,
                    "scope": scope,
                    "n_cpps": int(r["n_cpps"]),
                    "n_cpps_base": int(r["n_cpps_base"]),
                    "n_respondents": int(r["n_respondents"]),
                    "n_respondents_base": int(r["n_respondents_base"]),
                    "before": _num(r["score_base"]),
                    "after": _num(r["score"]),
                    "diff": _num(r["diff_pp"]),
                    "diff_ci_low": _num(r["diff_ci_low"]),
                    "diff_ci_high": _num(r["diff_ci_high"]),
                    "significance": _sig(r["significance"]),
                }
            )
        return pd.DataFrame(rows)

    def change_scopes(self) -> list[str]:
        """The scopes published for this round (``all``, then ``both_rounds`` if published)."""
        ch = self._table("national_change_themes")
        return [s for s in self.SCOPES if (ch["scope"] == s).any()]

    def change_chart_scope(self) -> str:
        """Like with like when published, else all partnerships."""
        return "both_rounds" if "both_rounds" in self.change_scopes() else "all"

    def change_table(self) -> pd.DataFrame:
        rows = []
        for scope in self.change_scopes():
            ch = self.change(scope)
            for _, r in ch.iterrows():
                rows.append(
                    {
                        "Theme": r["title"],
                        "Partnerships compared": f"{r['n_cpps_base']} and {r['n_cpps']}"
                        + (" (both rounds)" if scope == "both_rounds" else " (all)"),
                        str(self.baseline): t.pct(r["before"]),
                        self.round: t.pct(r["after"]),
                        "Change": vd.points(r["diff"]),
                        "95% interval": vd.interval(
                            r["diff_ci_low"], r["diff_ci_high"], signed=True
                        ).removeprefix("95% interval "),
                        "Members": f"{r['n_respondents_base']} and {r['n_respondents']}",
                    }
                )
        return pd.DataFrame(rows)

    def change_sentences(self, scope: str) -> list[str]:
        """:func:`verdicts.change_sentence` for each theme of one scope."""
        out = []
        for _, r in self.change(scope).iterrows():
            out.append(
                vd.change_sentence(
                    md.escape(r["title"]),
                    r["after"],
                    r["before"],
                    n_now=r["n_respondents"],
                    n_base=r["n_respondents_base"],
                    diff=r["diff"],
                    diff_low=r["diff_ci_low"],
                    diff_high=r["diff_ci_high"],
                    significance=r["significance"],
                    baseline=md.escape(str(self.baseline)),
                    detectable=detectable_change(r["diff_ci_low"], r["diff_ci_high"]),
                )
            )
        return out

    def change_summary(self) -> str:
        """Both scopes, like with like first, for the key findings."""
        words = {
            "both_rounds": "Over the partnerships reported in both rounds, like with like",
            "all": "Over all reported partnerships",
        }
        parts = [
            change_summary(self.change(s), baseline=str(self.baseline), scope_words=words[s])
            for s in ("both_rounds", "all")
            if s in self.change_scopes()
        ]
        if "both_rounds" not in self.change_scopes():
            parts.append(
                "A like-with-like comparison over the partnerships reported in both rounds is "
                "not published, because it would let the figures of a single partnership be "
                "worked out."
            )
        return " ".join(p for p in parts if p)

    # -- Don't know ----------------------------------------------------------------------

    def dont_know_top(self, n: int = 10) -> pd.DataFrame:
        dk = self._table("dont_know")
        order = {s.id: i for i, s in enumerate(self.codebook.statements)}
        dk = dk.assign(_o=dk["item"].map(order), text=dk["item"].map(self.statement_text))
        dk = dk.sort_values(["pct_dont_know", "_o"], ascending=[False, True]).head(n)
        return dk.reset_index(drop=True)

    def dont_know_table(self, n: int = 10) -> pd.DataFrame:
        dk = self.dont_know_top(n)
        return pd.DataFrame(
            {
                "Statement": dk["text"],
                "Theme": dk["theme"].map(self.theme_title),
                "% Don't know": [t.pct(v) for v in dk["pct_dont_know"]],
                "Partnerships with 25% or more": dk["n_cpps_information_gap"],
            }
        )

    # -- what members said ----------------------------------------------------------------

    def comment_counts(self) -> pd.DataFrame:
        cc = self._table("comment_counts")
        rows = []
        for th in self.codebook.themes:
            sub = cc[cc["theme"] == th.id].set_index("kind")["n_comments"]
            rows.append(
                {
                    "Theme": th.title,
                    "Comments on strengths": int(sub.get("strengths", 0)),
                    "Comments on improvements": int(sub.get("improvements", 0)),
                }
            )
        return pd.DataFrame(rows)

    def topics(self, theme: str) -> pd.DataFrame:
        ct = self._table("comment_topics")
        return ct[ct["theme"] == theme].reset_index(drop=True)

    def topics_table(self, theme: str) -> pd.DataFrame:
        ct = self.topics(theme)
        ct = ct[(ct["topic"] > 0) & ~ct["suppressed"]]
        return pd.DataFrame(
            {
                "Comments on": ct["kind"].map(
                    {"strengths": "Strengths", "improvements": "Improvements"}
                ),
                "Topic": ct["label"],
                "Comments": ct["n_comments"].astype(int),
                "% of comments": [t.pct(v) for v in ct["pct_of_comments"]],
                "Partnerships": ct["n_cpps"].astype(int),
            }
        ).reset_index(drop=True)

    def topics_sentence(self, theme: str) -> str:
        return topics_sentence(self.topics(theme))


# --------------------------------------------------------------------------- technical report

METHODOLOGY = "docs/methodology.md"
_NOT_METHODS = ("The published tables", "References")


def methodology_outline(paths: Paths | None = None) -> list[tuple[int, str]]:
    """The section headings (level 2 and 3) of ``docs/methodology.md``, without the tables
    and references sections: the technical report's methods follow this outline."""
    import re

    # the methodology describes the code, so it is read from the checkout cpsa runs
    # from (as provenance's code version is), not from the data root (CPSA_ROOT)
    from cpsa.pipeline.provenance import CODE_ROOT

    file = (paths.root if paths is not None else CODE_ROOT) / METHODOLOGY
    text = file.read_text(encoding="utf-8")
    out: list[tuple[int, str]] = []
    skip = False
    for m in re.finditer(r"(?m)^(##|###) (.+?)\s*$", text):
        level, title = len(m.group(1)), m.group(2)
        if level == 2:
            skip = any(title.endswith(x) for x in _NOT_METHODS)
        if not skip:
            out.append((level, title))
    return out


def methodology_bullets(paths: Paths | None = None) -> str:
    """The outline as nested Markdown bullets (headings keep their section numbers)."""
    lines = []
    for level, title in methodology_outline(paths):
        plain = title.replace("`", "")
        lines.append(("  " if level == 3 else "") + "- " + md.escape(plain))
    return "\n".join(lines)


@dataclass(frozen=True)
class TechnicalReport(NationalReport):
    """What ``notebooks/technical_report.ipynb`` reads: the national tables plus provenance."""

    def response_rates(self) -> pd.DataFrame:
        r = self._all_row()
        return pd.DataFrame(
            {
                "Measure": [
                    "Partnerships taking part",
                    "Partnerships reported",
                    "Board members invited (all participating partnerships)",
                    "Board members who answered (all participating partnerships)",
                    "Board members counted in national figures",
                    "Overall response rate (reported partnerships)",
                    "Partnership response rate: lower quartile",
                    "Partnership response rate: median",
                    "Partnership response rate: upper quartile",
                ],
                "Value": [
                    str(self.n_cpps_participating),
                    str(self.n_cpps_reported),
                    "not known" if self.n_invited_all is None else str(self.n_invited_all),
                    str(self.n_answered),
                    str(self.n_respondents),
                    t.pct(r["response_rate"]),
                    t.pct(r["cpp_response_rate_q25"]),
                    t.pct(r["cpp_response_rate_median"]),
                    t.pct(r["cpp_response_rate_q75"]),
                ],
            }
        )

    def suppression_applied(self) -> list[str]:
        th = self.config.thresholds
        part = self._table("participation")
        hidden_types = part[(part["group"] != "all") & part["suppressed"]]["group"]
        labels = self.partner_labels()
        var = self.variation()
        hidden_var = var[var["n_cpps"] < self.min_cpps]
        ct = self._table("comment_topics")
        topics = ct[ct["topic"] > 0]
        return [
            f"{t.count(self.n_cpps_below_minimum, 'partnership')} had fewer than "
            f"{th.min_respondents_report} members answering: no report, and left out of every "
            "national figure. " + self.exclusion_sentence(),
            (
                f"National results are published: {self.n_cpps_reported} partnerships were "
                f"reported, at least the {self.min_cpps} needed."
                if self.results_allowed
                else self.withheld_sentence()
            ),
            f"{t.count(len(hidden_types), 'partner type')} had fewer than "
            f"{th.min_group_national} members and {'is' if len(hidden_types) == 1 else 'are'} "
            "not shown"
            + (
                f" ({md.escape(t.listing([labels.get(g, g) for g in hidden_types]))})."
                if len(hidden_types)
                else "."
            ),
            f"Variation between partnerships is hidden for {t.count(len(hidden_var), 'theme')} "
            f"(fewer than {self.min_cpps} partnerships reported); elsewhere only quartiles rounded "
            "to the nearest 5% are shown, never the highest or lowest partnership.",
            f"{int(topics['suppressed'].sum())} of {len(topics)} comment topics were raised in "
            f"fewer than {th.min_group_cpp} comments or by fewer than {self.min_cpps} "
            "partnerships and are not shown.",
        ]

    def data_quality(self) -> list[str]:
        from cpsa.data.validate import validate_file

        v = validate_file(self.config.export_path(self.paths), round_=self.round, paths=self.paths)
        ni = self.items()
        blank_share = 100 * ni["n_blank"] / (ni["n_answered"] + ni["n_blank"])
        out = [
            f"The export had {v.report.n_rows} rows and passed validation with "
            f"{t.count(len(v.report.problems), 'problem')} (an export with any problem is "
            "refused, so every figure comes from a valid export).",
            f"Blank answers: {int(ni['n_blank'].sum())} in all; at most {t.pct(blank_share.max())} "
            "of the members counted left any one statement blank.",
        ]
        out += [f"Validation note: {md.escape(n)}" for n in v.report.notes]
        return out

    def provenance_rows(self) -> pd.DataFrame:
        from cpsa.pipeline import provenance

        params = {
            "round": self.round,
            "tables_dir": self.tables_dir,
            "synthetic": self.synthetic,
            "baseline": self.baseline,
        }
        prov = provenance.collect(round_=self.round, parameters=params, paths=self.paths)
        rows = prov.rows()
        return pd.DataFrame({"What": [r[0] for r in rows], "Value": [r[1] for r in rows]})
