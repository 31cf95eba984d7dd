"""The national overview the Improvement Service publishes, section by section.

``notebooks/national_report.ipynb`` calls ``NationalReport.load(...)`` and one
method per section. The overview names the CPPs that took part but never puts
a result next to a name: variation between CPPs is shown as unlabelled
distributions and counts. It shows no verbatim comments, only counts by theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.data.codebook import Codebook, load_codebook
from cpsa.data.reference import load_reference
from cpsa.report import md
from cpsa.report import text as t
from cpsa.report.about import about_sections
from cpsa.tables.read import NationalTables, load_national, resolve_dir

TOTAL_CPPS = 32


def _num(x) -> float | None:
    return None if t.missing(x) else float(x)


def _flag(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(str).str.lower() == "true"


@dataclass(frozen=True)
class NationalReport:
    round: str
    config: RoundConfig
    codebook: Codebook
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
            tables=load_national(directory, q_threshold=config.thresholds.q_threshold),
            tables_dir=str(tables_dir),
            synthetic=config.synthetic,
            baseline=baseline,
            paths=paths,
        )

    # -- helpers -------------------------------------------------------------------------

    def _themes(self) -> pd.DataFrame:
        nt = self.tables.get("national_themes")
        order = {th.id: i for i, th in enumerate(self.codebook.themes)}
        if nt is None:
            return pd.DataFrame(columns=["theme", "pct_positive"])
        return nt.assign(_o=nt["theme"].map(order)).sort_values("_o").reset_index(drop=True)

    def _items(self) -> pd.DataFrame:
        ni = self.tables.get("national_items")
        order = {s.id: i for i, s in enumerate(self.codebook.statements)}
        return ni.assign(_o=ni["item"].map(order)).sort_values("_o").reset_index(drop=True)

    def _stmt(self, item: str) -> str:
        return self.codebook.statement(item).text

    def _title(self, theme: str) -> str:
        return self.codebook.theme(theme).title

    def _respondents(self) -> int | None:
        part = self.tables.get("participation")
        if part is not None and "n_respondents" in part.columns:
            # one "all" row plus one row per partner type: summing them counts everyone twice
            total = part.loc[part["group"] == "all", "n_respondents"].dropna()
            return int(total.iloc[0]) if len(total) else None
        ni = self.tables.get("national_items")
        if "n_answered" in ni.columns:
            return int(ni["n_answered"].max())
        return None

    # -- sections ------------------------------------------------------------------------

    def cover(self) -> Markdown:
        parts = [
            md.heading(2, "Introduction"),
            md.paragraph(
                "The results of the board self-assessment across Scotland's Community "
                "Planning Partnerships, for publication by the Improvement Service."
            ),
        ]
        if self.synthetic:
            parts.append(
                md.banner(
                    "**Synthetic demonstration data.** Every answer in this overview was made "
                    "up by a computer to show how the report works. It says nothing about any "
                    "real Community Planning Partnership."
                )
            )
        return Markdown(md.join(*parts))

    def key_messages(self) -> Markdown:
        themes = self._themes()
        items = self._items()
        shown = items[items["pct_positive"].notna()]
        parts = [md.heading(2, "Key messages")]
        msgs = []
        n = len(self.config.cpps)
        resp = self._respondents()
        msgs.append(
            f"{n} of Scotland's {TOTAL_CPPS} Community Planning Partnerships took part"
            + (f", with {resp} board members answering." if resp else ".")
        )
        if not themes.empty and themes["pct_positive"].notna().any():
            best = themes.loc[themes["pct_positive"].idxmax()]
            worst = themes.loc[themes["pct_positive"].idxmin()]
            msgs.append(
                f"Boards rated themselves highest on {md.escape(self._title(best['theme']))} "
                f"({t.pct(best['pct_positive'])} positive) and lowest on "
                f"{md.escape(self._title(worst['theme']))} ({t.pct(worst['pct_positive'])})."
            )
        if "pct_dont_know" in shown.columns and shown["pct_dont_know"].notna().any():
            dk = shown.loc[shown["pct_dont_know"].idxmax()]
            msgs.append(
                "Members most often said they don't know about "
                f"“{md.escape(self._stmt(dk['item']))}” "
                f"({t.pct(dk['pct_dont_know'])} of those who answered)."
            )
        ch = self.tables.get("national_change_themes")
        if self.baseline and ch is not None and not ch.empty:
            up = [self._title(x) for x in ch.loc[ch["direction"] == "higher", "theme"]]
            down = [self._title(x) for x in ch.loc[ch["direction"] == "lower", "theme"]]
            if up or down:
                bits = []
                if up:
                    bits.append(f"improved on {t.listing(up)}")
                if down:
                    bits.append(f"fell on {t.listing(down)}")
                msgs.append(md.escape(f"Since {self.baseline}, results {' and '.join(bits)}."))
            else:
                msgs.append(md.escape(f"No theme changed clearly since {self.baseline}."))
        parts.append(md.bullets(msgs))
        top = shown.sort_values(["pct_positive", "_o"], ascending=[False, True]).head(5)
        bottom = shown.sort_values(["pct_positive", "_o"], ascending=[True, True]).head(5)
        parts.append(md.heading(3, "What works well across Scotland"))
        parts.append(
            md.paragraph("The five statements with the highest share of positive answers:")
        )
        parts.append(
            md.bullets(
                f"{md.escape(self._stmt(r['item']))} ({t.pct(r['pct_positive'])} positive)"
                for _, r in top.iterrows()
            )
        )
        parts.append(md.heading(3, "What needs improving across Scotland"))
        parts.append(md.paragraph("The five statements with the lowest share of positive answers:"))
        parts.append(
            md.bullets(
                f"{md.escape(self._stmt(r['item']))} ({t.pct(r['pct_positive'])} positive)"
                for _, r in bottom.iterrows()
            )
        )
        return Markdown(md.join(*parts))

    def participation(self) -> Markdown:
        ref = load_reference(self.paths)
        names = sorted(ref.cpp_name(s) for s in self.config.cpps)
        parts = [
            md.heading(2, "Who took part"),
            md.paragraph(
                f"{len(names)} of the {TOTAL_CPPS} Community Planning Partnerships took part "
                "in this round. They are listed below in alphabetical order; this overview "
                "shows no results for any named partnership."
            ),
            md.paragraph(md.escape(", ".join(names)) + "."),
        ]
        part = self.tables.get("participation")
        if part is not None and "group" in part.columns:
            all_row = part[part["group"] == "all"]
            if not all_row.empty:
                r = all_row.iloc[0]
                sentences = []
                if not t.missing(r.get("members_invited")) and r["members_invited"]:
                    sentences.append(
                        f"Across these partnerships, {int(r['n_respondents'])} of the "
                        f"{int(r['members_invited'])} board members invited answered: a "
                        f"response rate of {t.pct(r.get('response_rate'))}."
                    )
                if not t.missing(r.get("cpp_response_rate_median")):
                    sentences.append(
                        "Half of the partnerships had a response rate between "
                        f"{t.pct(r['cpp_response_rate_q25'])} and "
                        f"{t.pct(r['cpp_response_rate_q75'])}; the median was "
                        f"{t.pct(r['cpp_response_rate_median'])}."
                    )
                parts.append(md.paragraph(*sentences))
            groups = part[part["group"] != "all"]
            if not groups.empty:
                labels = self._partner_labels()
                groups = groups.sort_values(["n_respondents", "group"], ascending=[False, True])
                parts.append(
                    md.table(
                        ["Partner type", "Board members who answered", "Share of all who answered"],
                        [
                            (
                                labels.get(g["group"], g["group"]),
                                "not shown" if g["suppressed"] else int(g["n_respondents"]),
                                "not shown" if g["suppressed"] else t.pct(g["pct_of_respondents"]),
                            )
                            for _, g in groups.iterrows()
                        ],
                        align=["l", "r", "r"],
                        caption="Who answered, by partner type",
                    )
                )
        parts.append(self._comment_counts())
        return Markdown(md.join(*parts))

    def _comment_counts(self) -> str:
        parts: list[str] = []
        cc = self.tables.get("comment_counts")
        if cc is not None and {"theme"} <= set(cc.columns):
            ncol = next((c for c in ("n_comments", "n") if c in cc.columns), None)
            if ncol:
                parts.append(md.heading(3, "Comments by theme"))
                parts.append(
                    md.paragraph(
                        "Members' comments go only to their own board. This overview counts "
                        "them but does not quote them."
                    )
                )
                kinds = "kind" in cc.columns
                rows = []
                for th in self.codebook.themes:
                    sub = cc[cc["theme"] == th.id]
                    if kinds:
                        s = int(sub.loc[sub["kind"] == "strengths", ncol].sum())
                        i = int(sub.loc[sub["kind"] == "improvements", ncol].sum())
                        rows.append((th.title, s, i))
                    else:
                        rows.append((th.title, int(sub[ncol].sum())))
                headers = (
                    ["Theme", "Comments on strengths", "Comments on improvements"]
                    if kinds
                    else ["Theme", "Comments"]
                )
                parts.append(
                    md.table(
                        headers,
                        rows,
                        align=["l"] + ["r"] * (len(headers) - 1),
                        caption="Number of comments by theme",
                    )
                )
        return md.join(*parts) if parts else ""

    @staticmethod
    def _type_score(row: pd.Series, labels: dict[str, str]) -> str:
        return (
            f"{labels.get(row['partner_type'], row['partner_type'])} ({t.pct(row['pct_positive'])})"
        )

    def _partner_labels(self) -> dict[str, str]:
        ref = load_reference(self.paths)
        return dict(zip(ref.partner_types["id"], ref.partner_types["label"], strict=True))

    def results(self) -> Markdown:
        from cpsa.report import charts

        themes = self._themes()
        items = self._items()
        parts = [md.heading(2, "Results across Scotland")]
        if not themes.empty:
            ests = [
                charts.Estimate(
                    self._title(r["theme"]),
                    _num(r["pct_positive"]),
                    _num(r.get("ci_low")),
                    _num(r.get("ci_high")),
                )
                for _, r in themes.iterrows()
            ]
            valid = [e for e in ests if e.value is not None]
            best = max(valid, key=lambda e: e.value)
            worst = min(valid, key=lambda e: e.value)
            parts.append(md.heading(3, "Themes"))
            parts.append(
                md.paragraph(
                    f"Theme scores ranged from {t.pct(worst.value)} for "
                    f"{md.escape(worst.label)} to {t.pct(best.value)} for {md.escape(best.label)}."
                )
            )
            alt = (
                f"Dot chart of Scotland's theme scores with 95% intervals. Highest: {best.label} "
                f"at {t.pct(best.value)}; lowest: {worst.label} at {t.pct(worst.value)}."
            )
            parts.append(
                md.figure(
                    charts.interval_chart([("Scotland", ests)], xlabel="Theme score, % positive"),
                    alt=alt,
                )
            )
            parts.append(
                md.table(
                    ["Theme", "% positive", "95% interval", "Members who answered"],
                    [
                        (
                            self._title(r["theme"]),
                            t.pct(r["pct_positive"]),
                            t.pct_interval(r.get("ci_low"), r.get("ci_high")),
                            "" if t.missing(r.get("n_respondents")) else int(r["n_respondents"]),
                        )
                        for _, r in themes.iterrows()
                    ],
                    align=["l", "r", "r", "r"],
                    caption="Theme scores across Scotland",
                )
            )
        parts.append(md.heading(3, "Statements"))
        parts.append(
            md.paragraph(
                "Every statement, theme by theme, with the share of members who agreed and "
                "the share who said they don't know."
            )
        )
        for th in self.codebook.themes:
            sub = items[items["item"].isin([s.id for s in self.codebook.statements_in(th.id)])]
            if sub.empty:
                continue
            parts.append(
                md.table(
                    [
                        "Statement",
                        "Members who gave a view",
                        "% positive",
                        "95% interval",
                        "% Don't know",
                    ],
                    [
                        (
                            self._stmt(r["item"]),
                            int(r["n_valid"]),
                            t.pct(r["pct_positive"]),
                            t.pct_interval(r.get("ci_low"), r.get("ci_high")),
                            t.pct(r.get("pct_dont_know")),
                        )
                        for _, r in sub.iterrows()
                    ],
                    align=["l", "r", "r", "r", "r"],
                    caption=th.title,
                )
            )
        return Markdown(md.join(*parts))

    def variation(self) -> Markdown:
        from cpsa.report import charts

        ct = self.tables.get("cpp_themes")
        parts = [
            md.heading(2, "Variation between partnerships"),
            md.paragraph(
                "How much partnerships differ, without naming any of them. Each dot in the "
                "chart is one partnership's theme score; the box shows the middle half of "
                "partnerships and the line inside it the median."
            ),
        ]
        if ct is None or ct.empty:
            return Markdown(md.join(*parts, "Partnership-level results are not available."))
        if "suppressed" in ct.columns:
            ct = ct[~ct["suppressed"]]
        themes = self._themes()
        var = self.tables.get("variation_themes")
        groups, overall, rows = [], [], []
        for th in self.codebook.themes:
            vals = sorted(ct.loc[ct["theme"] == th.id, "pct_positive"].dropna().tolist())
            if not vals:
                continue
            groups.append((th.title, vals))
            nat = themes.loc[themes["theme"] == th.id, "pct_positive"]
            overall.append(_num(nat.iloc[0]) if not nat.empty else None)
            v = var[var["theme"] == th.id] if var is not None else pd.DataFrame()
            if not v.empty:
                r = v.iloc[0]
                rows.append(
                    (
                        th.title,
                        int(r["n_cpps"]),
                        t.pct(r.get("score_p10")),
                        t.pct(r.get("score_median")),
                        t.pct(r.get("score_p90")),
                        int(r["n_higher"]),
                        int(r["n_lower"]),
                    )
                )
            else:
                sub = ct[ct["theme"] == th.id]
                q = pd.Series(vals).quantile([0.1, 0.5, 0.9])
                rows.append(
                    (
                        th.title,
                        len(vals),
                        t.pct(q[0.1]),
                        t.pct(q[0.5]),
                        t.pct(q[0.9]),
                        int((sub["direction"] == "higher").sum()),
                        int((sub["direction"] == "lower").sum()),
                    )
                )
        # the middle 80% (10th to 90th percentile), so no single partnership is singled out
        spread = {g[0]: pd.Series(g[1]).quantile([0.1, 0.9]).tolist() for g in groups}
        widest = max(spread, key=lambda k: spread[k][1] - spread[k][0])
        total_hi = sum(r[5] for r in rows)
        total_lo = sum(r[6] for r in rows)
        verb = "is" if total_hi == 1 else "are"
        summary = (
            f"Partnerships differ most on {widest}, where the middle 80% of partnerships "
            f"score between {t.pct(spread[widest][0])} and {t.pct(spread[widest][1])}. Across "
            f"all themes, {t.count(total_hi, 'partnership result')} {verb} significantly above "
            f"the rest of Scotland and {total_lo} significantly below."
        )
        parts.append(md.paragraph(md.escape(summary)))
        parts.append(
            md.figure(
                charts.distribution_chart(
                    groups, overall=overall, xlabel="Theme score, % positive"
                ),
                alt="Dot and box chart of partnerships' theme scores, one unnamed dot per "
                "partnership, with Scotland's score as a diamond. " + summary,
            )
        )
        parts.append(
            md.table(
                [
                    "Theme",
                    "Partnerships",
                    "Low (10th percentile)",
                    "Median",
                    "High (90th percentile)",
                    "Significantly above the rest of Scotland",
                    "Significantly below the rest of Scotland",
                ],
                rows,
                align=["l", "r", "r", "r", "r", "r", "r"],
                caption="Spread of partnerships' theme scores",
            )
        )
        return Markdown(md.join(*parts))

    def partner_types(self) -> Markdown:
        from cpsa.report import charts

        pt = self.tables.get("partner_types")
        head = md.heading(2, "Differences between partner types")
        if pt is None or "partner_type" not in pt.columns or "theme" not in pt.columns:
            return Markdown(md.join(head, "Results by partner type are not available."))
        labels = self._partner_labels()
        pt = pt[~pt["suppressed"]] if "suppressed" in pt.columns else pt
        pt = pt[pt["pct_positive"].notna()]
        if pt.empty:
            return Markdown(md.join(head, "Every partner type group is too small to show."))
        intro = md.paragraph(
            "Do members from different kinds of organisation see their boards differently? "
            "Each partner type is compared with all other partner types together.",
            f"Groups with fewer than {self.config.thresholds.min_group_national} members "
            "are not shown.",
        )
        rows, spreads = [], []
        for th in self.codebook.themes:
            sub = pt[pt["theme"] == th.id]
            if sub.empty:
                continue
            hi = sub.loc[sub["pct_positive"].idxmax()]
            lo = sub.loc[sub["pct_positive"].idxmin()]
            spreads.append((hi["pct_positive"] - lo["pct_positive"], th.id))
            sig = []
            if "direction" in sub.columns:
                for _, r in sub.iterrows():
                    if r["direction"]:
                        sig.append(
                            f"{labels.get(r['partner_type'], r['partner_type'])} "
                            f"{'higher' if r['direction'] == 'higher' else 'lower'}"
                        )
            rows.append(
                (
                    th.title,
                    self._type_score(hi, labels),
                    self._type_score(lo, labels),
                    "; ".join(sig) if sig else "No clear difference",
                )
            )
        gap, tid = max(spreads)
        sub = pt[pt["theme"] == tid].sort_values("pct_positive", ascending=False)
        hi, lo = sub.iloc[0], sub.iloc[-1]
        finding = (
            f"Partner types differ most on {self._title(tid)}: "
            f"{labels.get(hi['partner_type'], hi['partner_type'])} scored it "
            f"{t.pct(hi['pct_positive'])} and {labels.get(lo['partner_type'], lo['partner_type'])} "
            f"{t.pct(lo['pct_positive'])}, a gap of {t.points(gap, signed=False)}."
        )
        ests = [
            charts.Estimate(
                labels.get(r["partner_type"], r["partner_type"]),
                _num(r["pct_positive"]),
                _num(r.get("ci_low")),
                _num(r.get("ci_high")),
            )
            for _, r in sub.iterrows()
        ]
        others = [
            charts.Estimate(e.label, _num(r.get("rest_pct_positive")))
            for e, (_, r) in zip(ests, sub.iterrows(), strict=True)
        ]
        figure = md.figure(
            charts.interval_chart(
                [("This partner type", ests), ("All other partner types", others)],
                xlabel=f"{self._title(tid)}: theme score, % positive (95% interval)",
            ),
            alt=f"Dot chart of the {self._title(tid)} theme score by partner type, with each "
            "type's 95% interval and the score of all other types. " + finding,
        )
        detail = md.table(
            [
                "Partner type",
                "Members",
                "% positive",
                "95% interval",
                "All other partner types",
                "Compared with other partner types",
            ],
            [
                (
                    e.label,
                    int(r["n_respondents"]),
                    t.pct(r["pct_positive"]),
                    t.pct_interval(r.get("ci_low"), r.get("ci_high")),
                    t.pct(r.get("rest_pct_positive")),
                    t.significance(r.get("direction", ""), versus="other partner types"),
                )
                for e, (_, r) in zip(ests, sub.iterrows(), strict=True)
            ],
            align=["l", "r", "r", "r", "r", "l"],
            caption=f"{self._title(tid)}: theme score by partner type",
        )
        overview = md.table(
            [
                "Theme",
                "Highest partner type",
                "Lowest partner type",
                "Significant differences from other partner types",
            ],
            rows,
            caption="Highest and lowest partner type on each theme",
        )
        return Markdown(
            md.join(head, intro, md.paragraph(md.escape(finding)), figure, detail, overview)
        )

    def change(self) -> Markdown:
        head = md.heading(2, f"Change since {self.baseline}" if self.baseline else "Change")
        ch = self.tables.get("national_change_themes")
        if not self.baseline:
            return Markdown(
                md.join(head, "This is the first round, so there is no earlier result to compare.")
            )
        if ch is None or ch.empty:
            return Markdown(
                md.join(head, f"Results for {md.escape(self.baseline)} are not available.")
            )
        ch = ch.assign(_o=ch["theme"].map({th.id: i for i, th in enumerate(self.codebook.themes)}))
        ch = ch.sort_values("_o")
        base_col = next(
            (
                c
                for c in ("baseline_pct_positive", "baseline_score", "pct_positive_baseline")
                if c in ch.columns
            ),
            None,
        )
        up = [self._title(x) for x in ch.loc[ch["direction"] == "higher", "theme"]]
        down = [self._title(x) for x in ch.loc[ch["direction"] == "lower", "theme"]]
        text = []
        if up:
            text.append(f"Across Scotland, results improved clearly on {t.listing(up)}.")
        if down:
            text.append(f"Results fell clearly on {t.listing(down)}.")
        if not up and not down:
            text.append("No theme changed by more than chance would explain.")
        parts = [head, md.paragraph(md.escape(" ".join(text)))]
        parts.append(
            md.table(
                ["Theme", str(self.baseline), self.round, "Change", "Is the change clear?"],
                [
                    (
                        self._title(r["theme"]),
                        t.pct(r[base_col]) if base_col else "not shown",
                        t.pct(r.get("pct_positive")),
                        t.points(r.get("diff")),
                        {"higher": "Clearly up", "lower": "Clearly down"}.get(
                            r["direction"], "No clear change"
                        ),
                    )
                    for _, r in ch.iterrows()
                ],
                align=["l", "r", "r", "r", "l"],
                caption=f"Theme scores across Scotland, {self.baseline} and {self.round}",
            )
        )
        cc = self.tables.get("cpp_change_themes")
        if cc is not None and not cc.empty and "direction" in cc.columns:
            n_both = cc["cpp"].nunique() if "cpp" in cc.columns else None
            ups = int((cc["direction"] == "higher").sum())
            downs = int((cc["direction"] == "lower").sum())
            parts.append(
                md.paragraph(
                    (f"{n_both} partnerships took part in both rounds. " if n_both else "")
                    + f"Among their theme results, {ups} rose clearly and {downs} fell clearly; "
                    "the rest did not change by more than chance would explain."
                )
            )
        return Markdown(md.join(*parts))

    def dont_know(self) -> Markdown:
        from cpsa.report import charts

        dk = self.tables.get("dont_know")
        items = self._items()
        if dk is not None and "pct_dont_know" in dk.columns:
            order = {st.id: i for i, st in enumerate(self.codebook.statements)}
            items = dk.assign(_o=dk["item"].map(order))
        head = md.heading(2, "Where board members lack information")
        if "pct_dont_know" not in items.columns:
            return Markdown(md.join(head, "Don't know figures are not available."))
        top = items.sort_values(["pct_dont_know", "_o"], ascending=[False, True]).head(10)
        first = top.iloc[0]
        finding = (
            f"The statement members most often answered Don't know is "
            f"“{self._stmt(first['item'])}” ({t.pct(first['pct_dont_know'])})."
        )
        parts = [
            head,
            md.paragraph(
                "A Don't know answer suggests a member does not have the information to judge. "
                "These are the ten statements with the most Don't know answers.",
                md.escape(finding),
            ),
            md.figure(
                charts.bar_chart(
                    [
                        charts.Estimate(self._stmt(r["item"]), _num(r["pct_dont_know"]))
                        for _, r in top.iterrows()
                    ],
                    xlabel="% Don't know",
                ),
                alt="Bar chart of the ten statements with the most Don't know answers. " + finding,
            ),
            md.table(
                ["Statement", "Theme", "% Don't know"],
                [
                    (
                        self._stmt(r["item"]),
                        self._title(self.codebook.statement(r["item"]).theme),
                        t.pct(r["pct_dont_know"]),
                    )
                    for _, r in top.iterrows()
                ],
                align=["l", "l", "r"],
                caption="Statements with the most Don't know answers",
            ),
        ]
        return Markdown(md.join(*parts))

    def about(self) -> Markdown:
        params = {
            "round": self.round,
            "tables_dir": self.tables_dir,
            "synthetic": self.synthetic,
            "baseline": self.baseline,
        }
        return Markdown(
            about_sections(config=self.config, parameters=params, paths=self.paths, national=True)
        )
