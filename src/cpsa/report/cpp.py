"""The private report for one CPP board, section by section.

``notebooks/cpp_report.ipynb`` calls ``CppReport.load(...)`` and then one
method per section; each returns Markdown (headings, plain-English text with
the numbers in it, pipe tables, and SVG charts each followed by its data
table). The report reads only the CPP's own ``by_cpp/<slug>/`` tables, so it
cannot mention another CPP; the rest of Scotland appears only as pooled figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from cpsa.config import ConfigError, Paths, RoundConfig, get_paths, load_round
from cpsa.data.codebook import Codebook, load_codebook
from cpsa.data.reference import load_reference
from cpsa.report import areas as areas_mod
from cpsa.report import md
from cpsa.report import text as t
from cpsa.report.about import about_sections
from cpsa.tables.read import CppBundle, load_cpp_bundle, resolve_dir

REST = "Rest of Scotland"
SUMMARY_TOP = 5  # a one-page summary names at most this many statements per list
KIND_TITLES = {"strengths": "What works well", "improvements": "What could be better"}


def _num(x) -> float | None:
    return None if t.missing(x) else float(x)


@dataclass(frozen=True)
class CppReport:
    """One CPP's report: its round, its name, its tables and the codebook."""

    round: str
    cpp: str
    name: str
    config: RoundConfig
    codebook: Codebook
    bundle: CppBundle
    tables_dir: str
    synthetic: bool
    baseline: str | None
    paths: Paths

    @classmethod
    def load(
        cls,
        *,
        round: str,  # noqa: A002  (the notebook parameter's name)
        cpp: str,
        tables_dir: str | Path,
        synthetic: bool,
        baseline: str | None,
        paths: Paths | None = None,
    ) -> CppReport:
        paths = paths or get_paths()
        config = load_round(round, paths)
        if cpp not in config.cpps:
            raise ConfigError(
                f"CPP {cpp!r} is not taking part in round {round!r}; "
                f"choose one of: {', '.join(config.cpps)}"
            )
        if bool(synthetic) != config.synthetic:
            raise ConfigError(
                f"parameter synthetic={synthetic} contradicts params/{round}/round.yaml "
                f"(synthetic: {config.synthetic}); re-run `cpsa params --round {round}`"
            )
        directory = resolve_dir(tables_dir, paths)
        bundle = load_cpp_bundle(directory, cpp=cpp)
        return cls(
            round=round,
            cpp=cpp,
            name=load_reference(paths).cpp_name(cpp),
            config=config,
            codebook=load_codebook(config.codebook, paths),
            bundle=bundle,
            tables_dir=str(tables_dir),
            synthetic=config.synthetic,
            baseline=baseline,
            paths=paths,
        )

    # -- helpers -------------------------------------------------------------------------

    @property
    def board(self) -> str:
        return f"{self.name} Community Planning Partnership"

    @property
    def min_respondents(self) -> int:
        return int(self.bundle.summary["thresholds"]["min_respondents_report"])

    def _theme_rows(self) -> list[tuple[str, str, pd.Series | None]]:
        themes = self.bundle.themes
        by_id = {str(r["theme"]): r for _, r in themes.iterrows()} if not themes.empty else {}
        return [(th.id, th.title, by_id.get(th.id)) for th in self.codebook.themes]

    def _items_of(self, theme_id: str) -> pd.DataFrame:
        ids = [s.id for s in self.codebook.statements_in(theme_id)]
        items = self.bundle.items.set_index("item")
        return items.reindex([i for i in ids if i in items.index]).reset_index()

    # -- sections ------------------------------------------------------------------------

    def cover(self) -> Markdown:
        parts = [
            md.heading(2, "Introduction"),
            md.paragraph(
                f"**{md.escape(self.config.title)}.** "
                f"Report for the board of the {md.escape(self.board)}."
            ),
        ]
        if self.synthetic:
            parts.append(
                md.banner(
                    "**Synthetic demonstration data.** Every answer and comment in this report "
                    "was made up by a computer to show how the report works. It says nothing "
                    f"about the real {md.escape(self.board)} board."
                )
            )
        parts.append(
            md.paragraph(
                f"**Confidential to the {md.escape(self.board)} board.** "
                "Please do not share it beyond the board without the board's agreement."
            )
        )
        return Markdown(md.join(*parts))

    def summary(self) -> Markdown:
        if not self.bundle.reportable:
            return Markdown(
                md.join(
                    md.heading(2, "Summary"),
                    md.paragraph(
                        f"Fewer than {self.min_respondents} board members answered the survey.",
                        "To protect the people who did answer, a report needs at least "
                        f"{self.min_respondents} respondents, so this report shows no results.",
                        "The board's answers are still part of the national figures for "
                        "Scotland, where no one can be identified.",
                        "If the board would like a report, the Improvement Service can "
                        "re-open the survey so that more members can take part.",
                    ),
                )
            )
        parts = [md.heading(2, "Summary"), md.heading(3, "Who took part"), self._participation()]
        strengths = areas_mod.select(self.bundle.items, self.codebook, "strength")
        improve = areas_mod.select(self.bundle.items, self.codebook, "improvement")
        parts.append(md.heading(3, "Main strengths"))
        parts.append(self._area_list(strengths, "strengths"))
        parts.append(md.heading(3, "Main areas for improvement"))
        parts.append(self._area_list(improve, "areas for improvement"))
        if improve:
            parts.append(
                md.paragraph(
                    "All the areas for improvement are listed in the improvement planning "
                    "section at the end of this report."
                )
            )
        gaps = areas_mod.select(self.bundle.items, self.codebook, "information_gap")
        if gaps:
            parts.append(md.heading(3, "Where members lack information"))
            parts.append(
                md.paragraph(
                    "Many members answered Don't know to these statements, so the board may "
                    "need to share more information about them:"
                )
            )
            parts.append(self._area_list(gaps, "information gaps"))
        parts.append(md.heading(3, "Compared with the rest of Scotland"))
        parts.append(self._theme_difference_sentence())
        parts.append(md.heading(3, "Change since the last round"))
        parts.append(self._change_headline())
        return Markdown(md.join(*parts))

    def _participation(self) -> str:
        s = self.bundle.summary
        n = int(s.get("n_respondents", 0))
        invited = s.get("members_invited")
        rate = s.get("response_rate")
        if invited and not t.missing(invited):
            if t.missing(rate):
                rate = 100 * n / float(invited)
            elif float(rate) <= 1:  # a share rather than a percentage
                rate = 100 * float(rate)
            first = (
                f"{n} of the {int(invited)} board members invited answered the survey "
                f"(a response rate of {t.pct(rate)})."
            )
        else:
            first = f"{t.count(n, 'board member')} answered the survey."
        groups = s.get("partner_types") or []
        shown = [g for g in groups if not t.missing(g.get("n")) and g.get("n")]
        if not groups:
            second = (
                "Numbers by partner type are not shown in board reports: groups within one "
                "board are small enough to identify people."
            )
        elif shown and len(shown) == len(groups):
            ref = load_reference(self.paths)
            labels = dict(zip(ref.partner_types["id"], ref.partner_types["label"], strict=True))
            parts = [
                f"{int(g['n'])} from {md.escape(labels.get(g['partner_type'], g['partner_type']))}"
                for g in sorted(shown, key=lambda g: (-int(g["n"]), g["partner_type"]))
            ]
            second = f"They were {t.listing(parts)}."
        else:
            second = (
                "Numbers by partner type are not shown because some groups are smaller than "
                f"{self.config.thresholds.min_group_cpp}, which could identify people."
            )
        return md.paragraph(first, second)

    def _area_list(
        self, chosen: tuple[areas_mod.Area, ...], what: str, *, top: int = SUMMARY_TOP
    ) -> str:
        if not chosen:
            return md.paragraph(f"No statements met the rule for {what} in this round.")
        lead = ""
        if len(chosen) > top:
            lead = md.paragraph(
                f"{len(chosen)} statements count as {what}; these are the {top} most notable:"
            )
            chosen = chosen[:top]
        return (
            lead
            + ("\n\n" if lead else "")
            + md.bullets(
                f"{md.escape(a.statement)} ({md.escape(a.theme_title)}: {md.escape(a.reason)})"
                for a in chosen
            )
        )

    def _theme_difference_sentence(self) -> str:
        higher = [
            title
            for _, title, r in self._theme_rows()
            if r is not None and r["significance"] == "higher"
        ]
        lower = [
            title
            for _, title, r in self._theme_rows()
            if r is not None and r["significance"] == "lower"
        ]
        if not higher and not lower:
            return md.paragraph(
                "On every theme, the board's results are within the range we would expect "
                "by chance compared with the rest of Scotland: there is no clear difference."
            )
        out = []
        if higher:
            out.append(
                f"The board rated itself significantly higher than the rest of Scotland on "
                f"{md.escape(t.listing(higher))}."
            )
        if lower:
            out.append(
                f"The board rated itself significantly lower than the rest of Scotland on "
                f"{md.escape(t.listing(lower))}."
            )
        out.append("On the other themes there is no clear difference.")
        return md.paragraph(*out)

    def _no_change_reason(self) -> str | None:
        if not self.baseline:
            return "This is the first round of the self-assessment, so there is no earlier result."
        ch = self.bundle.change_themes
        has_change = self.bundle.summary.get("has_change")
        if (
            has_change is False
            or ch is None
            or ch.empty
            or ch.get("suppressed", ch["theme"].isna()).all()
        ):
            return (
                f"The board did not take part in the {md.escape(self.baseline)} round "
                "(or too few members answered then), so change cannot be shown."
            )
        return None

    def _change_headline(self) -> str:
        reason = self._no_change_reason()
        if reason:
            return md.paragraph(reason)
        ch = self.bundle.change_themes
        up = [self._title(r["theme"]) for _, r in ch.iterrows() if r["significance"] == "higher"]
        down = [self._title(r["theme"]) for _, r in ch.iterrows() if r["significance"] == "lower"]
        if not up and not down:
            return md.paragraph(
                f"Since {md.escape(self.baseline)}, no theme has changed by more than we would "
                "expect by chance."
            )
        out = []
        if up:
            out.append(f"Since {md.escape(self.baseline)}, results improved on {t.listing(up)}.")
        if down:
            out.append(f"Results fell on {t.listing(down)}.")
        return md.paragraph(*out)

    def _title(self, theme_id: str) -> str:
        return md.escape(self.codebook.theme(theme_id).title)

    def theme_profile(self) -> Markdown:
        if not self.bundle.reportable:
            return Markdown("")
        from cpsa.report import charts

        rows = [(tid, title, r) for tid, title, r in self._theme_rows() if r is not None]
        board = [
            charts.Estimate(title, _num(r["score"]), _num(r["ci_low"]), _num(r["ci_high"]))
            for _, title, r in rows
        ]
        rest = [
            charts.Estimate(
                title,
                _num(r["rest_score"]),
                _num(r["rest_ci_low"]),
                _num(r["rest_ci_high"]),
            )
            for _, title, r in rows
        ]
        valid = [(b, r) for b, r in zip(board, rest, strict=True) if b.value is not None]
        if not valid:
            return Markdown(
                md.join(md.heading(2, "Theme profile"), "No theme results can be shown.")
            )
        best = max(valid, key=lambda p: p[0].value)
        worst = min(valid, key=lambda p: p[0].value)
        intro = md.paragraph(
            "Each theme score is the average, over members, of the share of a theme's "
            "statements each member agreed with.",
            f"The board's highest theme is {md.escape(best[0].label)} ({t.pct(best[0].value)}) "
            f"and its lowest is {md.escape(worst[0].label)} ({t.pct(worst[0].value)}).",
            "The lines show 95% intervals: the range the true figure probably lies in. "
            "When the board's interval overlaps the rest of Scotland's, the difference may "
            "be chance.",
        )
        alt = (
            f"Dot chart of the board's theme scores with 95% intervals against the rest of "
            f"Scotland. Highest theme: {best[0].label} at {t.pct(best[0].value)}; lowest: "
            f"{worst[0].label} at {t.pct(worst[0].value)}. " + self._theme_difference_alt()
        )
        svg = charts.interval_chart(
            [("This board", board), (REST, rest)], xlabel="Theme score, % positive (95% interval)"
        )
        table = md.table(
            [
                "Theme",
                "This board",
                "95% interval",
                REST,
                "Difference",
                "Compared with the rest of Scotland",
            ],
            [
                (
                    title,
                    t.pct(r["score"]),
                    t.pct_interval(r["ci_low"], r["ci_high"]),
                    t.pct(r["rest_score"]),
                    t.points(r["diff_pp"]),
                    t.significance(r["significance"], versus=None),
                )
                for _, title, r in rows
            ],
            align=["l", "r", "r", "r", "r", "l"],
            caption="Theme scores: this board and the rest of Scotland",
        )
        return Markdown(
            md.join(md.heading(2, "Theme profile"), intro, md.figure(svg, alt=alt), table)
        )

    def _theme_difference_alt(self) -> str:
        higher = [
            ti for _, ti, r in self._theme_rows() if r is not None and r["significance"] == "higher"
        ]
        lower = [
            ti for _, ti, r in self._theme_rows() if r is not None and r["significance"] == "lower"
        ]
        if not higher and not lower:
            return "No theme differs clearly from the rest of Scotland."
        out = []
        if higher:
            out.append(f"Significantly higher on {t.listing(higher)}.")
        if lower:
            out.append(f"Significantly lower on {t.listing(lower)}.")
        return " ".join(out)

    def themes(self) -> Markdown:
        if not self.bundle.reportable:
            return Markdown("")
        parts = [
            md.heading(2, "Results by theme"),
            md.paragraph(
                "For each theme: a chart of how members answered each statement, a table of "
                "the figures, the statements on which members are divided, and what members "
                "wrote. Comments are shown as written, except that email addresses, phone "
                "numbers and web addresses are removed; they are never attributed."
            ),
        ]
        for th in self.codebook.themes:
            parts.append(self._theme_section(th.id))
        return Markdown(md.join(*parts))

    def _theme_section(self, theme_id: str) -> str:
        from cpsa.report import charts

        th = self.codebook.theme(theme_id)
        items = self._items_of(theme_id)
        parts = [md.heading(3, th.title), md.paragraph(md.escape(th.description))]
        if items.empty:
            return md.join(*parts, "No statements of this theme were answered.")
        shown = items[~items["suppressed"] & items["pct_positive"].notna()]
        if not shown.empty:
            top = shown.loc[shown["pct_positive"].idxmax()]
            low = shown.loc[shown["pct_positive"].idxmin()]
            # the statements end in a full stop; the sentence quoting them has its own
            top_text = self.codebook.statement(top["item"]).text.rstrip(".")
            low_text = self.codebook.statement(low["item"]).text.rstrip(".")
            finding = (
                f"Agreement ranged from {t.pct(low['pct_positive'])} for “{low_text}” "
                f"to {t.pct(top['pct_positive'])} for “{top_text}”."
            )
            parts.append(md.paragraph(md.escape(finding)))
            likert = [
                charts.LikertRow(
                    label=self.codebook.statement(r["item"]).text,
                    strongly_agree=int(r["n_strongly_agree"]),
                    agree=int(r["n_agree"]),
                    disagree=int(r["n_disagree"]),
                    strongly_disagree=int(r["n_strongly_disagree"]),
                    dont_know=int(r["n_dont_know"]),
                )
                for _, r in shown.iterrows()
                if "n_strongly_agree" in shown.columns
            ]
            if likert:
                dk_top = (
                    shown.loc[shown["pct_dont_know"].fillna(0).idxmax()]
                    if "pct_dont_know" in shown.columns
                    else None
                )
                alt = (
                    f"Diverging bar chart of answers to the {len(likert)} statements on "
                    f"{th.title}. {finding}"
                )
                if dk_top is not None and float(dk_top["pct_dont_know"] or 0) > 0:
                    alt += (
                        f" The most Don't know answers ({t.pct(dk_top['pct_dont_know'])}) were "
                        f"for “{self.codebook.statement(dk_top['item']).text.rstrip('.')}”."
                    )
                parts.append(md.figure(charts.likert_chart(likert), alt=alt))
        parts.append(self._item_table(th.title, items))
        parts.append(self._divided(items))
        parts.append(self._comments(theme_id))
        return md.join(*parts)

    def _item_table(self, title: str, items: pd.DataFrame) -> str:
        rows = []
        for _, r in items.iterrows():
            text = self.codebook.statement(r["item"]).text
            if r["suppressed"] or t.missing(r["pct_positive"]):
                rows.append((text, "not shown", "", "", "", "", "", "Too few answers to show"))
                continue
            rows.append(
                (
                    text,
                    int(r["n_valid"]),
                    t.pct(r["pct_positive"]),
                    t.pct_interval(r.get("ci_low"), r.get("ci_high")),
                    t.pct(r.get("pct_dont_know")),
                    t.pct(r["rest_pct_positive"]),
                    t.points(r["diff_pp"]),
                    t.significance(r["significance"], versus=None),
                )
            )
        return md.table(
            [
                "Statement",
                "Members who gave a view",
                "% positive",
                "95% interval",
                "% Don't know",
                REST,
                "Difference",
                "Compared with the rest of Scotland",
            ],
            rows,
            align=["l", "r", "r", "r", "r", "r", "r", "l"],
            caption=f"{title}: figures for each statement",
        )

    def _divided(self, items: pd.DataFrame) -> str:
        if "divided" not in items.columns:
            return ""
        flag = items["divided"].fillna(False).astype(str).str.lower() == "true"
        div = items[flag & ~items["suppressed"]]
        head = md.heading(4, "Where members are divided")
        if div.empty:
            return md.join(head, "Members broadly agree with each other on every statement here.")
        lines = []
        for _, r in div.iterrows():
            text = self.codebook.statement(r["item"]).text
            share = r.get("minority_share")
            extra = f" ({t.pct(share)} took the minority view)" if not t.missing(share) else ""
            lines.append(md.escape(text + extra))
        return md.join(
            head,
            "On these statements at least a third of members who gave a view disagreed with "
            "the rest. They are good topics for the board's discussion:",
            md.bullets(lines),
        )

    def _comments(self, theme_id: str) -> str:
        c = self.bundle.comments
        parts = [md.heading(4, "What members said")]
        if c.empty or "theme" not in c.columns:
            return md.join(*parts, "No comments were made on this theme.")
        mine = c[c["theme"] == theme_id]
        if mine.empty:
            return md.join(*parts, "No comments were made on this theme.")
        for kind in ("strengths", "improvements"):
            texts = sorted(str(x) for x in mine.loc[mine["kind"] == kind, "text"].dropna())
            label = KIND_TITLES[kind]
            if texts:
                parts.append(f"**{label}**")
                parts.append(md.bullets(f"“{md.escape(x)}”" for x in texts))
            else:
                parts.append(f"**{label}**: no comments.")
        return md.join(*parts)

    def change(self) -> Markdown:
        if not self.bundle.reportable:
            return Markdown("")
        head = md.heading(2, f"Change since {self.baseline}" if self.baseline else "Change")
        reason = self._no_change_reason()
        if reason:
            return Markdown(md.join(head, md.paragraph(reason)))
        ch = self.bundle.change_themes
        ch = ch.assign(_o=ch["theme"].map({th.id: i for i, th in enumerate(self.codebook.themes)}))
        ch = ch.sort_values("_o")
        rows = [
            (
                self.codebook.theme(r["theme"]).title,
                t.pct(r["score_base"]),
                t.pct(r["score"]),
                t.points(r["diff_pp"]),
                t.significance(r["significance"], versus=str(self.baseline))
                .replace("Significantly higher than", "Significantly up on")
                .replace("Significantly lower than", "Significantly down on"),
            )
            for _, r in ch.iterrows()
        ]
        intro = md.paragraph(
            self._change_headline(),
            "Members are not linked between rounds, and boards change, so read small changes "
            "with care.",
        )
        table = md.table(
            ["Theme", str(self.baseline), self.round, "Change", "Is the change clear?"],
            rows,
            align=["l", "r", "r", "r", "l"],
            caption=f"Theme scores in {self.baseline} and {self.round}",
        )
        return Markdown(md.join(head, intro, table))

    def improvement_planning(self) -> Markdown:
        if not self.bundle.reportable:
            return Markdown("")
        chosen = areas_mod.planning_areas(self.bundle.items, self.codebook)
        head = md.heading(2, "Improvement planning")
        intro = md.paragraph(
            "This table lists the areas for improvement and the information gaps from this "
            "report, for the board's "
            "facilitated improvement session. The empty columns are for the board to agree "
            "actions, who leads them, by when, and with what resources.",
            f"The same table is provided as an editable spreadsheet, "
            f"{md.escape(self.cpp)}-improvement-plan.xlsx, next to this report.",
        )
        if not chosen:
            return Markdown(
                md.join(head, intro, "No statement met the rule for an area for improvement.")
            )
        table = md.table(
            [
                "Area for improvement",
                "Theme",
                "Why it is listed",
                "Action",
                "Lead",
                "Timescale",
                "Resources",
            ],
            [(a.statement, a.theme_title, a.reason, "", "", "", "") for a in chosen],
            caption="Improvement plan",
        )
        return Markdown(md.join(head, intro, table))

    def about(self) -> Markdown:
        params = {
            "round": self.round,
            "cpp": self.cpp,
            "tables_dir": self.tables_dir,
            "synthetic": self.synthetic,
            "baseline": self.baseline,
        }
        return Markdown(
            about_sections(
                config=self.config,
                parameters=params,
                paths=self.paths,
                national=False,
            )
        )
