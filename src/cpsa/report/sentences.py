"""Sentences whose wording depends on the data, for the report notebooks.

Fixed prose lives in the notebooks' Markdown cells; a sentence that changes
with the numbers (a list that may be empty, "no theme differs ...", a response
rate with or without the board size) is a small function here, tested on its
own. Each returns Markdown with every data-derived text escaped
(:func:`cpsa.report.md.escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from cpsa.report import md
from cpsa.report import text as t
from cpsa.report.areas import Area

SUMMARY_TOP = 5  # a one-page summary names at most this many statements per list
KIND_TITLES = {"strengths": "What works well", "improvements": "What could be better"}


def too_few(min_respondents: int) -> str:
    """The whole summary of a report that may show no results."""
    return md.paragraph(
        f"Fewer than {min_respondents} board members answered the survey.",
        "To protect the people who did answer, a report needs at least "
        f"{min_respondents} respondents, so this report shows no results.",
        "The board's answers are still part of the national figures for "
        "Scotland, where no one can be identified.",
        "If the board would like a report, the Improvement Service can "
        "re-open the survey so that more members can take part.",
    )


def participation(summary: dict[str, Any]) -> str:
    """Who took part: respondents and, when the board size is known, the response rate.

    Numbers by partner type are never shown in a board report: the tables
    publish no partner-type breakdown per CPP (groups within one board are
    small enough to identify people).
    """
    n = int(summary["n_respondents"])
    invited = summary["members_invited"]
    if invited:
        first = (
            f"{n} of the {int(invited)} board members invited answered the survey "
            f"(a response rate of {t.pct(summary['response_rate'])})."
        )
    else:
        first = f"{t.count(n, 'board member')} answered the survey."
    return md.paragraph(
        first,
        "Numbers by partner type are not shown in board reports: groups within one "
        "board are small enough to identify people.",
    )


def area_list(chosen: Sequence[Area], what: str, *, top: int = SUMMARY_TOP) -> str:
    """A bulleted list of statements (at most ``top``), or a sentence saying there are none."""
    if not chosen:
        return md.paragraph(f"No statements met the rule for {what} in this round.")
    lead = ""
    if len(chosen) > top:
        lead = md.paragraph(
            f"{len(chosen)} statements count as {what}; these are the {top} most notable:"
        )
        chosen = chosen[:top]
    items = md.bullets(
        f"{md.escape(a.statement)} ({md.escape(a.theme_title)}: {md.escape(a.reason)})"
        for a in chosen
    )
    return md.join(lead, items).strip("\n")


def theme_difference(higher: Sequence[str], lower: Sequence[str]) -> str:
    """How the board's theme scores compare with the rest of Scotland, in words."""
    if not higher and not lower:
        return md.paragraph(
            "On every theme, the board's results are within the range we would expect "
            "by chance compared with the rest of Scotland: there is no clear difference."
        )
    out = []
    if higher:
        out.append(
            "The board rated itself significantly higher than the rest of Scotland on "
            f"{md.escape(t.listing(list(higher)))}."
        )
    if lower:
        out.append(
            "The board rated itself significantly lower than the rest of Scotland on "
            f"{md.escape(t.listing(list(lower)))}."
        )
    out.append("On the other themes there is no clear difference.")
    return md.paragraph(*out)


def theme_difference_alt(higher: Sequence[str], lower: Sequence[str]) -> str:
    """The same finding for a chart's alt text (plain text, short)."""
    if not higher and not lower:
        return "No theme differs clearly from the rest of Scotland."
    out = []
    if higher:
        out.append(f"Significantly higher on {t.listing(list(higher))}.")
    if lower:
        out.append(f"Significantly lower on {t.listing(list(lower))}.")
    return " ".join(out)


def theme_range(themes: pd.DataFrame, title_of) -> tuple[str, str]:
    """(sentence, alt-text part) naming the board's highest and lowest theme score."""
    shown = themes[themes["score"].notna()]
    best = shown.loc[shown["score"].idxmax()]
    worst = shown.loc[shown["score"].idxmin()]
    b, w = title_of(best["theme"]), title_of(worst["theme"])
    sentence = (
        f"The board's highest theme is {md.escape(b)} ({t.pct(best['score'])}) "
        f"and its lowest is {md.escape(w)} ({t.pct(worst['score'])})."
    )
    alt = f"Highest theme: {b} at {t.pct(best['score'])}; lowest: {w} at {t.pct(worst['score'])}."
    return sentence, alt


def no_change_reason(baseline: str | None, has_change: bool) -> str | None:
    """Why change since the last round cannot be shown, or None when it can."""
    if not baseline:
        return "This is the first round of the self-assessment, so there is no earlier result."
    if not has_change:
        return (
            f"The board did not take part in the {md.escape(baseline)} round "
            "(or too few members answered then), so change cannot be shown."
        )
    return None


def change_headline(
    baseline: str | None, has_change: bool, up: Sequence[str], down: Sequence[str]
) -> str:
    """The change since the baseline round in one paragraph (``up``/``down`` escaped titles)."""
    reason = no_change_reason(baseline, has_change)
    if reason:
        return md.paragraph(reason)
    if not up and not down:
        return md.paragraph(
            f"Since {md.escape(baseline)}, no theme has changed by more than we would "
            "expect by chance."
        )
    out = []
    if up:
        out.append(f"Since {md.escape(baseline)}, results improved on {t.listing(list(up))}.")
    if down:
        out.append(f"Results fell on {t.listing(list(down))}.")
    return md.paragraph(*out)


def agreement_range(shown: pd.DataFrame, statement_of) -> str:
    """'Agreement ranged from x% for “…” to y% for “…”.' over a theme's shown statements."""
    top = shown.loc[shown["pct_positive"].idxmax()]
    low = shown.loc[shown["pct_positive"].idxmin()]
    # the statements end in a full stop; the sentence quoting them has its own
    return (
        f"Agreement ranged from {t.pct(low['pct_positive'])} for "
        f"“{statement_of(low['item']).rstrip('.')}” "
        f"to {t.pct(top['pct_positive'])} for “{statement_of(top['item']).rstrip('.')}”."
    )


def likert_alt(theme_title: str, shown: pd.DataFrame, finding: str, statement_of) -> str:
    """Alt text of a theme's answer chart: what it shows, its finding, the most Don't know."""
    alt = (
        f"Diverging bar chart of answers to the {len(shown)} statements on {theme_title}. {finding}"
    )
    dk = shown.loc[shown["pct_dont_know"].fillna(0).idxmax()]
    if float(dk["pct_dont_know"] or 0) > 0:
        alt += (
            f" The most Don't know answers ({t.pct(dk['pct_dont_know'])}) were "
            f"for “{statement_of(dk['item']).rstrip('.')}”."
        )
    return alt


def divided(divided_items: pd.DataFrame, statement_of) -> str:
    """The 'Where members are divided' paragraph and list of one theme."""
    if divided_items.empty:
        return "Members broadly agree with each other on every statement here."
    lines = []
    for _, r in divided_items.iterrows():
        share = r["minority_share"]
        extra = f" ({t.pct(share)} took the minority view)" if not t.missing(share) else ""
        lines.append(md.escape(statement_of(r["item"]) + extra))
    return md.join(
        "On these statements at least a third of members who gave a view disagreed with "
        "the rest. They are good topics for the board's discussion:",
        md.bullets(lines),
    ).strip("\n")


def comments(by_kind: dict[str, list[str]]) -> str:
    """What members wrote on one theme, by kind (quoted, escaped, never attributed)."""
    if not any(by_kind.values()):
        return "No comments were made on this theme."
    parts = []
    for kind in ("strengths", "improvements"):
        texts = by_kind.get(kind, [])
        label = KIND_TITLES[kind]
        if texts:
            parts.append(f"**{label}**")
            parts.append(md.bullets(f"“{md.escape(x)}”" for x in texts))
        else:
            parts.append(f"**{label}**: no comments.")
    return md.join(*parts).strip("\n")
