"""Sentences whose wording depends on the data, for the report notebooks.

Fixed prose lives in the notebooks' Markdown cells; a sentence that changes
with the numbers (a list that may be empty, a verdict, a response
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
from cpsa.report import verdicts as v
from cpsa.report.areas import Area

SUMMARY_TOP = 5  # a one-page summary names at most this many statements per list
KIND_TITLES = {"strengths": "What works well", "improvements": "What could be better"}


def too_few(min_respondents: int, *, in_pooled_figures: bool) -> str:
    """The whole summary of a report that may show no results, saying what happened to the
    board's answers (``summary.json`` ``in_pooled_figures``, suppression rules 1 and 2)."""
    if in_pooled_figures:
        where = (
            "The board's answers are part of the national figures for Scotland and of the "
            "rest-of-Scotland figures other boards are compared with, pooled with another "
            "board's below the minimum, so that neither board can be identified."
        )
    else:
        where = (
            "The board's answers are not in the national figures for Scotland, nor in the "
            "rest-of-Scotland figures other boards are compared with: they could be worked out "
            "by subtracting every published figure, so they are left out of every pooled figure."
        )
    return md.paragraph(
        f"Fewer than {min_respondents} board members answered the survey.",
        "To protect the people who did answer, a report needs at least "
        f"{min_respondents} respondents, so this report shows no results.",
        where,
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


def _detectable_range(sizes: Sequence[float]) -> str:
    """ "about 22 points" or "about 18 to 25 points"."""
    lo, hi = round(min(sizes)), round(max(sizes))
    return f"about {lo} points" if lo == hi else f"about {lo} to {hi} points"


def theme_difference(
    higher: Sequence[str],
    lower: Sequence[str],
    undetected: Sequence[str] = (),
    detectable: Sequence[float] = (),
    *,
    compared: bool = True,
) -> str:
    """How the board's theme scores compare with the rest of Scotland, in words.

    ``higher``/``lower``: themes whose verdict and interval agree; ``undetected``:
    compared themes whose difference could not be told apart from chance, with the
    size of difference a board of this size could detect on each (``detectable``).
    Never "no difference": a non-significant result is not evidence of sameness.
    """
    if not compared:
        return md.paragraph(
            "Too few boards have results this round for a rest-of-Scotland comparison "
            "that identifies no board, so the board is not compared with the rest of Scotland."
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
    if undetected:
        which = "every theme" if not higher and not lower else "the other themes"
        sentence = (
            f"On {which}, the difference from the rest of Scotland could not be told apart "
            "from chance"
        )
        if detectable:
            sentence += (
                ": with this many members, only a difference of "
                f"{_detectable_range(detectable)} or more would reliably be detected"
            )
        out.append(sentence + ".")
    out.append("The theme profile below gives each figure with its 95% interval.")
    return md.paragraph(*out)


def theme_difference_alt(higher: Sequence[str], lower: Sequence[str]) -> str:
    """The same finding for a chart's alt text (plain text, short)."""
    if not higher and not lower:
        return (
            "On every theme the difference from the rest of Scotland could not be told apart "
            "from chance."
        )
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
    baseline: str | None,
    has_change: bool,
    up: Sequence[str],
    down: Sequence[str],
    detectable: Sequence[float] = (),
) -> str:
    """The change since the baseline round in one paragraph (``up``/``down`` escaped titles).

    Never "no change": a change that could not be told apart from chance is said to be so,
    with the size of change a board of this size could detect.
    """
    reason = no_change_reason(baseline, has_change)
    if reason:
        return md.paragraph(reason)
    out = []
    if up:
        out.append(f"Since {md.escape(baseline)}, results improved on {t.listing(list(up))}.")
    if down:
        out.append(f"Results fell on {t.listing(list(down))}.")
    which = "any theme" if not up and not down else "the other themes"
    rest = f"Since {md.escape(baseline)}, the change on {which} could not be told apart from chance"
    if detectable:
        rest += (
            ": with boards of this size, only a change of "
            f"{_detectable_range(detectable)} or more would reliably be detected"
        )
    out.append(rest + ".")
    return md.paragraph(*out)


def agreement_range(shown: pd.DataFrame, statement_of) -> str:
    """'Agreement ranged from x% for “…” to y% for “…”.' over a theme's shown statements."""
    top = shown.loc[shown["pct_positive"].idxmax()]
    low = shown.loc[shown["pct_positive"].idxmin()]
    # the statements end in a full stop; the sentence quoting them has its own
    return (
        f"Agreement ranged from {v.share(low['n_positive'], low['n_valid'])} for "
        f"“{statement_of(low['item']).rstrip('.')}” "
        f"to {v.share(top['n_positive'], top['n_valid'])} for "
        f"“{statement_of(top['item']).rstrip('.')}”."
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


def polarised(polarised_items: pd.DataFrame, statement_of) -> str:
    """The 'Where members are polarised' paragraph and list of one theme (``polarised``)."""
    if polarised_items.empty:
        return (
            "On no statement here are members split between the two ends of the scale more "
            "than chance would explain."
        )
    lines = []
    for _, r in polarised_items.iterrows():
        extra = (
            f" ({int(r['n_strongly_agree'])} strongly agreed and "
            f"{int(r['n_strongly_disagree'])} strongly disagreed)"
        )
        lines.append(md.escape(statement_of(r["item"]) + extra))
    return md.join(
        "On these statements members are polarised: more members chose both Strongly agree "
        "and Strongly disagree than a board without a real split would give. They are good "
        "topics for the board's discussion:",
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
