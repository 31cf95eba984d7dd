"""The facilitated-session workshop kit of one CPP board.

A facilitator runs the board's two-hour improvement session from:

- the report (HTML/PDF) and its editable Word copy ``<slug>.docx``;
- the slides ``<slug>-workshop.pptx``: who took part, the theme profile, where
  the board stands among the boards, the top priorities, strengths, where
  members are polarised, questions for discussion and the agenda, with the
  facilitator's prompts as speaker notes;
- the workbook ``<slug>-improvement-plan.xlsx`` (:mod:`cpsa.report.improvement_plan`).

The facilitator's guide (a two-hour agenda and discussion questions generated
from this board's results) is Markdown from :meth:`Kit.facilitator_guide`,
shown as a section of the CPP report (so it is in the HTML, PDF and Word
copies) and repeated on the last slides of the deck. :meth:`Kit.board_among_boards`
is the report section on where the board stands among the boards
(``by_cpp/<slug>/benchmark.csv``).

Everything here reads only ``by_cpp/<slug>/``: no other CPP can be named.
Every piece of data-derived text goes through :func:`cpsa.report.md.escape`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from cpsa import atomic
from cpsa.config import Paths, get_paths, load_round
from cpsa.data.codebook import load_codebook
from cpsa.data.reference import load_reference
from cpsa.report import improvement_plan as plan
from cpsa.report import md
from cpsa.report import text as t
from cpsa.report import verdicts as v
from cpsa.report.cpp import CppData
from cpsa.tables import benchmark as bm
from cpsa.tables.read import load_cpp_bundle, resolve_dir

REST = "Rest of Scotland"
TOP_PRIORITIES = 5
TOP_STRENGTHS = 3
TOP_DIVIDED = 4
QUESTIONS_PER_KIND = 2

# (minutes, item, what the facilitator uses)
AGENDA = (
    (10, "Welcome, purpose of the session and ground rules", "Slides: title, who took part"),
    (15, "What the results say: theme profile and where the board stands", "Slides; report"),
    (15, "Strengths to build on", "Slides; workbook sheet 'Strengths to build on'"),
    (30, "Discussion: where members are polarised and the largest gaps", "Discussion questions"),
    (10, "Break", ""),
    (25, "Agreeing priorities and actions", "Workbook sheet 'Priorities'"),
    (10, "Information gaps: what members need to know, and from whom", "Sheet 'Information gaps'"),
    (0, "Next steps: who completes the plan, review date, close", "Workbook"),
)


def _agenda() -> tuple[tuple[str, int, str, str], ...]:
    """The agenda with clock times from 0:00 (two hours in all)."""
    rows, start = [], 0
    minutes = [m for m, _, _ in AGENDA]
    minutes[-1] = 120 - sum(minutes[:-1])
    for m, (_, item, use) in zip(minutes, AGENDA, strict=True):
        rows.append((f"{start // 60}:{start % 60:02d}", m, item, use))
        start += m
    return tuple(rows)


@dataclass(frozen=True)
class Question:
    kind: str  # divided / gap / information / strength / position
    text: str  # plain text (escape before putting it into Markdown)
    short: str = ""  # the same question in a few words, for a slide


@dataclass(frozen=True)
class Kit(CppData):
    """One CPP's workshop material (its own tables only): its report data plus where the
    board stands among the boards."""

    benchmark: pd.DataFrame | None

    @classmethod
    def load(
        cls,
        *,
        round: str,  # noqa: A002  (the notebook parameter's name)
        cpp: str,
        tables_dir: str | Path | None = None,
        paths: Paths | None = None,
    ) -> Kit:
        """The kit of ``cpp``; ``tables_dir`` defaults to ``paths.tables(round)/by_cpp/cpp``
        (the notebook passes only ``round`` and ``cpp``)."""
        paths = paths or get_paths()
        config = load_round(round, paths)
        directory = resolve_dir(tables_dir or paths.tables(round) / "by_cpp" / cpp, paths)
        bundle = load_cpp_bundle(directory, cpp=cpp)
        return cls(
            round=round,
            cpp=cpp,
            name=load_reference(paths).cpp_name(cpp),
            config=config,
            codebook=load_codebook(config.codebook, paths),
            bundle=bundle,
            benchmark=bm.load(directory) if bundle.reportable else None,
            paths=paths,
        )

    # -- facts (name, board, reportable, min_respondents: from CppData) ----------------

    def _text(self, item: str) -> str:
        return self.codebook.statement(item).text.rstrip(".")

    def _shown_items(self) -> pd.DataFrame:
        items = self.bundle.items
        if items.empty:
            return items
        return items[~items["suppressed"].astype(bool) & items["pct_positive"].notna()]

    def divided(self, n: int = TOP_DIVIDED) -> pd.DataFrame:
        """The statements on which members are polarised (``polarised``), strongest first."""
        items = self._shown_items()
        if items.empty:
            return items.iloc[0:0]
        sub = items[items["polarised"].fillna(False).astype(bool)]
        return self._top(sub, "polarisation_p", n)

    def largest_gaps(self, n: int = QUESTIONS_PER_KIND) -> pd.DataFrame:
        """Statements furthest below the rest of Scotland (point estimate)."""
        items = self._shown_items()
        if items.empty:
            return items.iloc[0:0]
        sub = items[items["diff_pp"].notna() & (items["diff_pp"] < 0)]
        return self._top(sub, "diff_pp", n)

    def information_gaps(self, n: int = QUESTIONS_PER_KIND) -> pd.DataFrame:
        items = self._shown_items()
        if items.empty or "pct_dont_know" not in items.columns:
            return items.iloc[0:0]
        sub = items[items["pct_dont_know"].fillna(0) > 0]
        return self._top(sub, "pct_dont_know", n, descending=True)

    def _top(self, sub: pd.DataFrame, by: str, n: int, *, descending: bool = False):
        """The first ``n`` rows by ``by``, ties in codebook order (adds no column)."""
        order = sub["item"].map(self._order()).to_numpy(dtype=float)
        key = sub[by].to_numpy(dtype=float)
        return sub.iloc[np.lexsort((order, -key if descending else key))].head(n)

    def _order(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.codebook.statements)}

    def questions(self) -> list[Question]:
        """Discussion questions from this board's results (plain text)."""
        if not self.reportable:
            return []
        out: list[Question] = []
        for _, r in self.divided(QUESTIONS_PER_KIND).iterrows():
            out.append(
                Question(
                    "divided",
                    f"Members are polarised on “{self._text(r['item'])}”: "
                    f"{int(r['n_strongly_agree'])} strongly agreed and "
                    f"{int(r['n_strongly_disagree'])} strongly disagreed. What do those "
                    "who agree see that those who disagree do not, and what would help the "
                    "board reach a shared view?",
                    f"Polarised: “{self._text(r['item'])}”. What would help the board reach a "
                    "shared view?",
                )
            )
        for _, r in self.largest_gaps().iterrows():
            out.append(
                Question(
                    "gap",
                    f"On “{self._text(r['item'])}” the board is "
                    f"{v.share(r['n_positive'], r['n_valid'])} positive against "
                    f"{t.pct(r.get('rest_pct_positive'))} in the rest of Scotland "
                    f"({t.points(r['diff_pp'])}, "
                    f"{v.interval(r['diff_ci_low'], r['diff_ci_high'], signed=True)}). Does "
                    "this match members' experience, and what would have to change to close "
                    "the gap?",
                    f"Gap from the rest of Scotland ({t.points(r['diff_pp'])}): "
                    f"“{self._text(r['item'])}”. What would close it?",
                )
            )
        for _, r in self.information_gaps().iterrows():
            out.append(
                Question(
                    "information",
                    f"{t.pct(r['pct_dont_know'])} of members said Don't know to "
                    f"“{self._text(r['item'])}”. What do members need to know about this, "
                    "and who on the board should tell them?",
                    f"{t.pct(r['pct_dont_know'])} Don't know: “{self._text(r['item'])}”. "
                    "Who should tell members what?",
                )
            )
        strengths = plan.strengths(self.bundle.items, self.codebook)
        if strengths:
            s = strengths[0]
            out.append(
                Question(
                    "strength",
                    f"The board's strongest result is “{s.statement.rstrip('.')}” "
                    f"({t.pct(s.pct_positive)} positive). What makes it work, and could the "
                    "same approach help with one of the priorities?",
                    f"Strength: “{s.statement.rstrip('.')}”. What makes it work?",
                )
            )
        low = self._bottom_quarter_themes()
        if low:
            out.append(
                Question(
                    "position",
                    f"Among the boards that took part, this board is probably in the bottom "
                    f"quarter on {t.listing(low)}. What do members think other boards do "
                    "differently?",
                    f"Bottom quarter of boards on {t.listing(low)}. What do others do differently?",
                )
            )
        return out

    def _bottom_quarter_themes(self) -> list[str]:
        b = self.benchmark
        if b is None or b.empty:
            return []
        rows = b[(b["comparison"] == bm.ALL) & b["shown"] & (b["quarter_best"] == 4)]
        return [self.codebook.theme(x).title for x in rows["theme"]]

    # -- report sections (Markdown, for the notebook) --------------------------------------

    def facilitator_guide(self) -> Markdown:
        """The facilitator's guide: a two-hour agenda and this board's discussion questions."""
        head = md.heading(2, "Facilitator's guide")
        if not self.reportable:
            return Markdown(
                md.join(
                    head,
                    md.paragraph(
                        f"Fewer than {self.min_respondents} board members answered, so there "
                        "are no results to discuss. A session can still use the national "
                        "overview to agree how the board will take part in the next round."
                    ),
                )
            )
        intro = md.paragraph(
            "This guide is for whoever facilitates the board's improvement session. The "
            "session takes two hours; the slides (the workshop deck) and the improvement-plan "
            "workbook go with it.",
            "Before the session, send members this report and ask them to read the summary.",
        )
        agenda = md.table(
            ["Time", "Minutes", "Item", "Material"],
            [(a, str(m), item, use or "–") for a, m, item, use in _agenda()],
            align=["r", "r", "l", "l"],
            caption="Agenda for a two-hour session",
        )
        qs = self.questions()
        questions = (
            "\n".join(f"{i}. {md.escape(q.text)}" for i, q in enumerate(qs, start=1))
            if qs
            else "No statement stood out; ask members which results surprised them."
        )
        tips = md.bullets(
            [
                "Start from strengths: they show what the partnership already does well.",
                "Read small differences with care: with a board of this size, a difference of "
                "20 points may be chance. The Evidence column of the workbook says how sure "
                "each finding is.",
                "Do not ask who answered what: answers are anonymous and must stay so.",
                "Agree no more than three to five priorities, each with a lead partner, a "
                "target date and a success measure.",
            ]
        )
        return Markdown(
            md.join(
                head,
                intro,
                agenda,
                md.heading(3, "Questions for discussion"),
                md.paragraph("Generated from this board's results:"),
                questions,
                md.heading(3, "Tips for the facilitator"),
                tips,
            )
        )

    def board_among_boards(self) -> Markdown:
        """Where the board stands among the boards, per theme, with the uncertainty stated."""
        head = md.heading(2, "Where the board stands among the boards")
        if not self.reportable:
            return Markdown("")
        b = self.benchmark
        if b is None or b.empty:
            return Markdown(
                md.join(head, "The tables of this round do not include the comparison.")
            )
        allb = b[b["comparison"] == bm.ALL].set_index("theme")
        shown = allb[allb["shown"]]
        parts = [head]
        if shown.empty:
            n = int(allb["n_boards"].max()) if not allb.empty else 0
            parts.append(
                md.paragraph(
                    f"Only {n} other boards have results, fewer than the "
                    f"{self.config.thresholds.min_reported_cpps} needed to place this board "
                    "among them without identifying any of them."
                )
            )
        else:
            n = int(shown["n_boards"].iloc[0])
            parts.append(
                md.paragraph(
                    f"For each theme, the board's score is placed among the {n} other boards "
                    "that took part and have results: which quarter of the boards it falls in. "
                    "The board's 95% interval is placed the same way, so the last column says "
                    "how sure the position is; with a small board it is often wide. No other "
                    "board is named."
                )
            )
            parts.append(self._benchmark_figure(shown))
            rows = []
            for th in self.codebook.themes:
                if th.id not in shown.index:
                    continue
                r = shown.loc[th.id]
                rows.append(
                    (
                        th.title,
                        t.pct(r["score"]),
                        t.pct_interval(r["boards_q25"], r["boards_q75"]),
                        bm.QUARTER_NAMES.get(int(r["quarter"]), "not shown").capitalize(),
                        position_certainty(r),
                    )
                )
            parts.append(
                md.table(
                    [
                        "Theme",
                        "This board",
                        "Middle half of other boards",
                        "Position",
                        "How sure",
                    ],
                    rows,
                    align=["l", "r", "r", "l", "l"],
                    caption="The board among the boards, by theme",
                )
            )
        parts.append(self._group_comparison(b))
        return Markdown(md.join(*parts))

    def _benchmark_svg(self, shown: pd.DataFrame) -> bytes:
        from cpsa.report import charts

        labels = [th for th in self.codebook.themes if th.id in shown.index]
        board = [
            charts.Estimate(
                th.title,
                float(shown.loc[th.id, "score"]),
                float(shown.loc[th.id, "ci_low"]),
                float(shown.loc[th.id, "ci_high"]),
            )
            for th in labels
        ]
        boards = [
            charts.Estimate(
                th.title,
                float(shown.loc[th.id, "boards_median"]),
                float(shown.loc[th.id, "boards_q25"]),
                float(shown.loc[th.id, "boards_q75"]),
            )
            for th in labels
        ]
        fig = charts.interval_chart(
            [
                ("This board (95% interval)", board),
                ("Other boards: median and middle half", boards),
            ],
            xlabel="Theme score, %",
        )
        return charts.to_svg(fig)

    def _benchmark_figure(self, shown: pd.DataFrame) -> str:
        return md.figure(self._benchmark_svg(shown), alt=self.benchmark_alt(shown))

    def benchmark_alt(self, shown: pd.DataFrame) -> str:
        by_q: dict[int, list[str]] = {}
        for th in self.codebook.themes:
            if th.id in shown.index:
                by_q.setdefault(int(shown.loc[th.id, "quarter"]), []).append(th.title)
        bits = [f"{bm.QUARTER_NAMES[q].capitalize()}: {t.listing(by_q[q])}." for q in sorted(by_q)]
        clear = [
            th.title
            for th in self.codebook.themes
            if th.id in shown.index
            and shown.loc[th.id, "quarter_best"] == shown.loc[th.id, "quarter_worst"]
        ]
        sure = (
            f"The position is clear on {t.listing(clear)}; elsewhere the board's interval spans "
            "more than one quarter."
            if clear
            else "On every theme the board's interval spans more than one quarter."
        )
        return (
            "Dot chart of the board's theme scores with 95% intervals beside the median and "
            "middle half of the other boards' scores. " + " ".join(bits) + " " + sure
        )

    def _group_comparison(self, b: pd.DataFrame) -> str:
        groups = b[b["comparison"] != bm.ALL]
        if groups.empty:
            return ""
        parts = []
        for name, g in groups.groupby("comparison", sort=True):
            sub = g.set_index("theme")
            head = md.heading(3, f"Compared with similar partnerships: {name}")
            if not sub["shown"].any():
                parts.append(
                    md.join(
                        head,
                        md.paragraph(
                            "The group has too few other members with results (or too few "
                            "boards outside it) to be shown without identifying a board."
                        ),
                    )
                )
                continue
            n = int(sub["n_boards"].max())
            rows = [
                (
                    th.title,
                    t.pct(sub.loc[th.id, "score"]),
                    t.pct(sub.loc[th.id, "group_score"]),
                    t.points(sub.loc[th.id, "diff_pp"]),
                    t.significance(str(sub.loc[th.id, "significance"] or ""), versus="the group"),
                )
                for th in self.codebook.themes
                if th.id in sub.index and bool(sub.loc[th.id, "shown"])
            ]
            parts.append(
                md.join(
                    head,
                    md.paragraph(
                        f"The group's {n} other boards with results, pooled (their members' "
                        "answers together, as for the rest of Scotland)."
                    ),
                    md.table(
                        ["Theme", "This board", "Group", "Difference", "Compared with the group"],
                        rows,
                        align=["l", "r", "r", "r", "l"],
                        caption=f"Theme scores: this board and {name}",
                    ),
                )
            )
        return md.join(*parts)

    def improvement_plan_table(self) -> Markdown:
        """The printed improvement-plan table (short headings with a key)."""
        if not self.reportable:
            return Markdown("")
        return Markdown(
            md.join(
                md.heading(2, "Improvement planning"),
                plan.plan_table(self.bundle.items, self.codebook, cpp=self.cpp),
            )
        )

    # -- the deck -------------------------------------------------------------------------

    def deck(self) -> tuple[str, list]:
        """(Markdown of the slides, their images) for ``office.markdown_to_pptx``."""
        from cpsa.render.office import SlideImage
        from cpsa.report import charts

        slides: list[str] = []
        images: list[SlideImage] = []
        note = f"Confidential to the {md.escape(self.board)} board."
        if self.config.synthetic:
            note += " Synthetic demonstration data: describes no real board."
        if not self.reportable:
            slides.append(
                md.join(
                    "## Why there are no results",
                    md.bullets(
                        [
                            f"Fewer than {self.min_respondents} board members answered.",
                            "To protect those who did, no results are shown for this board.",
                            (
                                "The answers are in the national figures, pooled with another "
                                "board's so that neither can be identified."
                                if self.bundle.summary.get("in_pooled_figures")
                                else "The answers are left out of the national figures, "
                                "where they could otherwise be worked out."
                            ),
                            "The Improvement Service can re-open the survey for more members.",
                        ]
                    ),
                    note,
                )
            )
            return "\n\n".join(slides) + "\n", images
        s = self.bundle.summary
        n = int(s.get("n_respondents", 0))
        invited = s.get("members_invited")
        took = (
            f"{n} of the {int(invited)} board members invited answered "
            f"({t.pct(100 * n / float(invited))})."
            if invited and not t.missing(invited)
            else f"{t.count(n, 'board member')} answered."
        )
        bullets = [took]
        if s.get("n_rest_cpps"):
            bullets.append(
                f"The rest of Scotland: {int(s.get('n_rest_respondents', 0))} members of "
                f"{int(s['n_rest_cpps'])} other boards, pooled."
            )
        bullets.append(
            f"{len(self._shown_items())} statements in {len(self.codebook.themes)} themes."
        )
        slides.append(md.join("## Who took part", md.bullets(bullets), note))

        # theme profile
        themes = self.bundle.themes
        if not themes.empty:
            by_id = {str(r["theme"]): r for _, r in themes.iterrows()}
            rows = [(th, by_id[th.id]) for th in self.codebook.themes if th.id in by_id]
            rows = [(th, r) for th, r in rows if not t.missing(r.get("score"))]
            if rows:
                board = [
                    charts.Estimate(
                        th.title,
                        float(r["score"]),
                        _f(r.get("ci_low")),
                        _f(r.get("ci_high")),
                    )
                    for th, r in rows
                ]
                rest = [
                    charts.Estimate(
                        th.title,
                        _f(r.get("rest_score")),
                        _f(r.get("rest_ci_low")),
                        _f(r.get("rest_ci_high")),
                    )
                    for th, r in rows
                ]
                best = max(rows, key=lambda p: float(p[1]["score"]))
                worst = min(rows, key=lambda p: float(p[1]["score"]))
                lower = [th.title for th, r in rows if r.get("significance") == "lower"]
                higher = [th.title for th, r in rows if r.get("significance") == "higher"]
                alt = (
                    "Dot chart of the board's theme scores with 95% intervals against the rest "
                    f"of Scotland. Highest: {best[0].title} at {t.pct(best[1]['score'])}; "
                    f"lowest: {worst[0].title} at {t.pct(worst[1]['score'])}."
                )
                if lower:
                    alt += f" Significantly lower than the rest of Scotland on {t.listing(lower)}."
                if higher:
                    alt += f" Significantly higher on {t.listing(higher)}."
                svg = charts.to_svg(
                    charts.interval_chart(
                        [("This board", board), (REST, rest)],
                        xlabel="Theme score: mean share of agreement, % (95% interval)",
                    )
                )
                images.append(SlideImage("theme-profile.png", svg, alt))
                slides.append(
                    md.join(
                        "## The theme profile",
                        "![](theme-profile.png)",
                        _notes(alt),
                    )
                )
        # board among boards
        b = self.benchmark
        if b is not None and not b.empty:
            shown = b[(b["comparison"] == bm.ALL) & b["shown"]].set_index("theme")
            if not shown.empty:
                alt = self.benchmark_alt(shown)
                images.append(SlideImage("among-boards.png", self._benchmark_svg(shown), alt))
                notes = "; ".join(
                    f"{th.title}: {bm.QUARTER_NAMES[int(shown.loc[th.id, 'quarter'])]} "
                    f"({position_certainty(shown.loc[th.id]).lower()})"
                    for th in self.codebook.themes
                    if th.id in shown.index
                )
                slides.append(
                    md.join(
                        "## Among the boards",
                        "![](among-boards.png)",
                        _notes(
                            f"Position among the {int(shown['n_boards'].iloc[0])} other boards "
                            f"with results. {notes}."
                        ),
                    )
                )
        # top priorities
        pri = plan.priorities(self.bundle.items, self.codebook)
        if pri:
            slides.append(
                md.join(
                    "## Top priorities",
                    md.table(
                        ["Statement", "Board", REST, "Evidence"],
                        [
                            (
                                r.statement,
                                t.pct(r.pct_positive),
                                t.pct(r.rest_pct_positive),
                                r.evidence,
                            )  # fmt: skip
                            for r in pri[:TOP_PRIORITIES]
                        ],
                        align=["l", "r", "r", "l"],
                    ),
                    _notes(
                        f"{len(pri)} areas for improvement in all, strongest evidence first; "
                        "the full list is the workbook's Priorities sheet."
                    ),
                )
            )
        else:
            slides.append(
                md.join(
                    "## Top priorities", "No statement met the rule for an area for improvement."
                )
            )
        strong = plan.strengths(self.bundle.items, self.codebook)
        if strong:
            slides.append(
                md.join(
                    "## Strengths to build on",
                    md.bullets(
                        f"{md.escape(r.statement)} ({t.pct(r.pct_positive)} positive; "
                        f"{REST} {t.pct(r.rest_pct_positive)})"
                        for r in strong[:TOP_STRENGTHS]
                    ),
                )
            )
        # where members are divided
        div = self.divided()
        if not div.empty and "n_strongly_agree" in div.columns:
            likert = [
                charts.LikertRow(
                    label=self.codebook.statement(r["item"]).text,
                    strongly_agree=int(r["n_strongly_agree"]),
                    agree=int(r["n_agree"]),
                    disagree=int(r["n_disagree"]),
                    strongly_disagree=int(r["n_strongly_disagree"]),
                    dont_know=int(r["n_dont_know"]),
                )
                for _, r in div.iterrows()
            ]
            top = div.iloc[0]
            alt = (
                f"Diverging bar chart of answers to the {len(likert)} statements on which "
                f"members are polarised. Most polarised: “{self._text(top['item'])}”, where "
                f"{int(top['n_strongly_agree'])} members strongly agreed and "
                f"{int(top['n_strongly_disagree'])} strongly disagreed."
            )
            images.append(
                SlideImage("divided.png", charts.to_svg(charts.likert_chart(likert)), alt)
            )
            slides.append(
                md.join("## Where members are polarised", "![](divided.png)", _notes(alt))
            )
        elif not div.empty:
            slides.append(
                md.join(
                    "## Where members are polarised",
                    md.bullets(md.escape(self._text(i)) for i in div["item"]),
                )
            )
        else:
            slides.append(
                md.join(
                    "## Where members are polarised",
                    "On no statement are members split between the two ends of the scale more "
                    "than chance would explain.",
                )
            )
        qs = self.questions()
        per_slide = 2
        chunks = [qs[i : i + per_slide] for i in range(0, len(qs), per_slide)]
        for k, chunk in enumerate(chunks, start=1):
            first = (k - 1) * per_slide + 1
            body = "\n".join(
                f"{i}. {md.escape(q.short or q.text)}" for i, q in enumerate(chunk, start=first)
            )
            notes = "\n\n".join(
                f"{i}. {md.escape(q.text)}" for i, q in enumerate(chunk, start=first)
            )
            title = "Questions for discussion" + (
                f" ({k} of {len(chunks)})" if len(chunks) > 1 else ""
            )
            slides.append(md.join(f"## {title}", body, f"::: notes\n{notes}\n:::"))
        slides.append(
            md.join(
                "## Agenda",
                md.table(
                    ["Time", "Item"],
                    [(a, item) for a, _, item, _ in _agenda()],
                    align=["r", "l"],
                ),
            )
        )
        return "\n\n".join(slides) + "\n", images


def _f(x) -> float | None:
    return None if t.missing(x) else float(x)


def _notes(text: str) -> str:
    return f"::: notes\n{md.escape(text)}\n:::"


def position_certainty(r: pd.Series, *, short: bool = False) -> str:
    """How sure a board's quarter is, from the quarters its 95% interval spans."""
    best, worst = r.get("quarter_best"), r.get("quarter_worst")
    if t.missing(best) or t.missing(worst):
        return "not shown"
    best, worst = int(best), int(worst)
    if best == worst:
        return "Clear" if short else "Clear: the whole interval is in this quarter"
    if short:
        return f"{bm.QUARTER_NAMES[best].split()[0].capitalize()} to {bm.QUARTER_NAMES[worst]}"
    return (
        f"Uncertain: could be anywhere from the {bm.QUARTER_NAMES[best]} to the "
        f"{bm.QUARTER_NAMES[worst]}"
    )


# --------------------------------------------------------------------------- the kit files


def kit_files(round_: str, slug: str, paths: Paths) -> dict[str, Path]:
    """The kit's delivered files (next to the report's HTML and PDF)."""
    reports = paths.reports(round_)
    return {
        "xlsx": reports / f"{slug}-improvement-plan.xlsx",
        "docx": reports / f"{slug}.docx",
        "pptx": reports / f"{slug}-workshop.pptx",
    }


def write_workshop_kit(
    round_: str,
    slug: str,
    *,
    paths: Paths | None = None,
    executed: Path | None = None,
    tables_dir: str | Path | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    timestamp: int | None = None,
    targets: dict[str, Path] | None = None,
) -> list[Path]:
    """Write the workbook, the Word report and the slides of ``slug``; return their paths.

    The Word copy is made from the executed notebook (``executed``, default
    ``outputs/<round>/notebooks/<slug>.ipynb``) through the same render copy the
    HTML and PDF use. Each file is written atomically.
    """
    from cpsa.pipeline.build import document_timestamp, report_title
    from cpsa.render.office import markdown_to_docx, markdown_to_pptx
    from cpsa.render.prepare import prepare

    paths = paths or get_paths()
    cfg = load_round(round_, paths)
    tables_dir = tables_dir or paths.tables(round_) / "by_cpp" / slug
    # the build passes staging paths: it publishes the kit together with the HTML and PDF
    files = {**kit_files(round_, slug, paths), **(targets or {})}
    default_title, default_subtitle = report_title(cfg, slug, paths)
    title = title or default_title
    subtitle = subtitle or default_subtitle
    when = document_timestamp(cfg) if timestamp is None else timestamp

    plan.write_plan(
        round_=round_, cpp=slug, tables_dir=tables_dir, target=files["xlsx"], paths=paths
    )

    executed = executed or paths.executed_notebooks(round_) / f"{slug}.ipynb"
    nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    prepared = prepare(nb, title=title)
    docx = markdown_to_docx(
        prepared.markdown, title=title, subtitle=subtitle, lang=prepared.lang, timestamp=when
    )
    atomic.write_bytes(files["docx"], docx)

    kit = Kit.load(round=round_, cpp=slug, tables_dir=tables_dir, paths=paths)
    slides, images = kit.deck()
    deck_title = f"{kit.name} CPP board: improvement workshop"
    pptx = markdown_to_pptx(
        slides, title=deck_title, subtitle=cfg.title, images=images, timestamp=when
    )
    atomic.write_bytes(files["pptx"], pptx)
    return [files["xlsx"], files["docx"], files["pptx"]]
