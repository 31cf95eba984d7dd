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
        "The range the true figure probably lies in, given how few people "
        "answered. Wide intervals mean the figure is uncertain.",
    ),
    (
        "Rest of Scotland",
        "All other CPPs taking part in this round, pooled together. It never "
        "includes the board itself.",
    ),
    (
        "Significantly higher or lower",
        "The difference is larger than chance would easily "
        "produce, after allowing for the number of comparisons made. Other differences may be "
        "chance.",
    ),
    ("Divided", "At least a third of the members who gave a view took the minority side."),
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
        "Where few people answered, figures are uncertain: look at the 95% intervals and read "
        "the words in the last column of each table rather than small differences.",
        "Don't know answers are shown separately: a high share suggests members need more "
        "information.",
    )
    glossary = md.table(["Term", "Meaning"], GLOSSARY)
    methods = md.paragraph(
        "Each statement's % positive has a Wilson score 95% interval.",
        "Comparisons with the rest of Scotland use Fisher's exact test for statements and a "
        "permutation test on members' theme scores for themes.",
        "Because many statements are tested, p-values are adjusted with the "
        "Benjamini–Hochberg method;",
        f"a difference is called significant when the adjusted value (q) is below "
        f"{th.q_threshold:g}.",
        "Change since the last round treats the two rounds as separate samples, because "
        "members are not linked between rounds.",
        "The full methods, with the reasons for each choice, are in the project's "
        "methodology document (docs/methodology.md in the cpsa repository).",
    )
    # the rule of cpsa.stats.classify, stated for readers
    methods += (
        " Statements with at least 25% Don't know are information gaps; statements below "
        "60% positive or significantly lower than the rest of Scotland are areas for "
        "improvement; statements with at least 75% positive and not significantly lower "
        "are strengths."
    )
    suppression = md.bullets(
        [
            f"A CPP report shows results only when at least {th.min_respondents_report} "
            "board members answered.",
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
