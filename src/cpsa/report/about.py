"""The closing "About this report" section shared by CPP and national reports.

How to read the report, a glossary, the methods in brief (the full account is
docs/methodology.md), the suppression rules with this round's thresholds, and
the provenance block from ``cpsa.pipeline.provenance`` (data checksum, code version,
parameters, package versions) so any reader can trace a figure to its source.
"""

from __future__ import annotations

from typing import Any

from cpsa.config import Paths, RoundConfig
from cpsa.report import md

GLOSSARY = (
    (
        "% positive",
        "The share of members who gave a view (Strongly agree, Agree, Disagree or "
        "Strongly disagree) who chose Strongly agree or Agree. Don't know answers are left out.",
    ),
    ("% Don't know", "The share of everyone who answered a statement who chose Don't know."),
    (
        "Theme score",
        "For each member, the share of a theme's statements they agreed with; "
        "the theme score is the average of these over members.",
    ),
    (
        "95% interval",
        "A range worked out from the answers so that, over many surveys, 95% of such ranges "
        "would contain the figure for the board's underlying view. Wide intervals mean the "
        "figure is uncertain, as it is when few members answered.",
    ),
    (
        "Rest of Scotland",
        "The members of the other CPPs with a report this round, pooled together. A CPP "
        "with too few respondents for a report is included only when at least two such CPPs "
        "together reach the minimum, so that none of them can be worked out by subtraction. "
        "It never includes the board itself, and it is shown only when enough CPPs have a "
        "report.",
    ),
    (
        "Significantly higher or lower",
        "The difference is larger than chance would easily produce, after allowing for the "
        "number of comparisons made (Benjamini–Hochberg q below the threshold), and its 95% "
        "interval does not include zero.",
    ),
    (
        "Could not be told apart from chance",
        "The difference is not large enough, for a board of this size, to rule out chance. "
        "It is not evidence that the two are alike: the report gives the size of difference "
        "the board's numbers could reliably detect.",
    ),
    (
        "Polarised",
        "More members chose both Strongly agree and Strongly disagree than a board without a "
        "real split, of the same size, would give (a test at the 5% level).",
    ),
    (
        "Count instead of %",
        "When fewer than 10 members gave a view, a share is given as a count, for example 7 of 8.",
    ),
    (
        "Percentage points",
        "The difference between two percentages: 60% and 75% differ by 15 points.",
    ),
)


def about_sections(
    *,
    config: RoundConfig,
    parameters: dict[str, Any],
    paths: Paths,
    national: bool,
) -> str:
    th = config.thresholds
    read = md.paragraph(
        "Numbers are rounded to whole percentages, so some rows do not add up to exactly 100%.",
        "Each chart is followed by a table with the same figures.",
        "Where few people answered, figures are uncertain: read each figure with its 95% "
        "interval, and read the words in the last column of each table rather than small "
        "differences. Whether two intervals overlap is not the test: the verdict comes from "
        "the test of the difference, whose own 95% interval is shown.",
        "Don't know answers are shown separately: a high share suggests members need more "
        "information.",
    )
    glossary = md.table(["Term", "Meaning"], GLOSSARY)
    methods = md.paragraph(
        "Each statement's % positive has a Wilson score 95% interval.",
        "A statement is compared with the rest of Scotland by Fisher's exact test, with a "
        "Newcombe interval for the difference.",
        "A theme is compared by a studentized (Welch t) permutation test on members' theme "
        "scores, which allows the board and the rest of Scotland to differ in size and spread, "
        "with a Welch interval for the difference; random permutations are drawn until the "
        "verdict can no longer change.",
        "Because many statements are tested, p-values are adjusted with the "
        "Benjamini–Hochberg method;",
        f"a difference is called significant when the adjusted value (q) is below "
        f"{th.q_threshold:g} and the 95% interval of the difference excludes zero.",
        "A result that is not significant could not be told apart from chance; the report "
        "gives the size of difference a board of this size could reliably detect (80% power).",
        "Change since the last round treats the two rounds as separate samples, because "
        "members are not linked between rounds.",
        "A statement is polarised when more members are at both ends of the scale than any "
        "single-peaked board of the same size would give (p below 0.05).",
        "The full methods, with the reasons for each choice, are in the project's "
        "methodology document (docs/methodology.md in the cpsa repository).",
    )
    # the rule of cpsa.stats.classify, stated for readers
    methods += (
        " Statements with at least 25% Don't know are information gaps. Strengths and areas "
        "for improvement rest on how certain the board's underlying share is, given its "
        "answers (a Jeffreys posterior): a statement is an area for improvement when its "
        "share is likely (80% or more) below 60% positive, or when it is significantly lower "
        "than the rest of Scotland; a strength when its share is likely at least 75% positive "
        "and it is not significantly lower. Lists are ranked by that certainty. Statements "
        f"with fewer than {th.min_valid_statement} members giving a view show no percentage."
    )
    suppression = md.bullets(
        [
            f"A CPP report shows results only when at least {th.min_respondents_report} "
            "board members answered.",
            "The answers of a CPP below that minimum are left out of the national and "
            "rest-of-Scotland figures, unless at least two such CPPs together reach the "
            "minimum (then they are pooled together), so no CPP's figures can be worked out "
            "by subtraction.",
            f"A breakdown within a CPP (for example by partner type) is shown only for groups "
            f"of at least {th.min_group_cpp}; nationally the minimum is {th.min_group_national}.",
            "Where one figure is hidden, another may be hidden too, so the hidden one cannot be "
            "worked out by subtraction.",
            "Email addresses, phone numbers and web addresses are removed from comments."
            + (" Comments are never shown in the national overview." if national else ""),
        ]
    )
    parts = [
        md.heading(2, "About this report"),
        md.heading(3, "How to read this report"),
        read,
        md.heading(3, "What the terms mean"),
        glossary,
        md.heading(3, "Methods in brief"),
        methods,
        md.heading(3, "Suppression rules"),
        suppression,
        md.heading(3, "Provenance"),
        md.paragraph(
            "These details let anyone check exactly which data, code and settings produced "
            "this report."
        ),
        _provenance_table(config=config, parameters=parameters, paths=paths),
    ]
    if config.synthetic:
        parts.append(
            md.paragraph(
                "**This report uses synthetic demonstration data**, generated with a fixed "
                f"seed ({config.seed}); it describes no real board."
            )
        )
    return md.join(*parts)


def _provenance_table(*, config: RoundConfig, parameters: dict[str, Any], paths: Paths) -> str:
    from cpsa.pipeline import provenance

    prov = provenance.collect(round_=config.round, parameters=parameters, paths=paths)
    return md.table(["What", "Value"], prov.rows())
