"""The one declaration of every table ``cpsa tables`` writes: columns, types, units, meaning.

``outputs/<round>/tables/<name>.csv`` (the round's tables, restricted: they name
each CPP) and ``outputs/<round>/tables/by_cpp/<slug>/`` (all one CPP's report may
read: four CSV cuts, its comments and ``summary.json``) are declared here and
nowhere else. :mod:`cpsa.tables.write` checks every table against its
declaration before writing (:func:`check_frame`); :mod:`cpsa.tables.read` loads
every table through it (:func:`read_csv`), so a column the report code uses is
a column the writer wrote. ``docs/tables.md`` is generated from this module::

    python -m cpsa.tables.schema > docs/tables.md

and a test fails when that file is stale. To add a column: compute it in
:mod:`cpsa.tables.compute`, declare it here, regenerate ``docs/tables.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cpsa.errors import SchemaError
from cpsa.tables.spreadsheet import restore_frame

DTYPES = ("str", "int", "float", "bool")


@dataclass(frozen=True)
class Column:
    """One column: its name, type (str/int/float/bool), unit and meaning."""

    name: str
    dtype: str
    unit: str
    meaning: str

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: dtype must be one of {DTYPES}")


@dataclass(frozen=True)
class Table:
    """One CSV table: where it lives, what one row is, and its columns in file order."""

    name: str  # "cpp_items" or "by_cpp/items"
    file: str  # path under outputs/<round>/tables/
    row: str  # what one row is
    meaning: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise SchemaError(f"table {self.name} has no column {name!r} (columns: {self.names})")


@dataclass(frozen=True)
class Key:
    """One key of a JSON file; ``always`` False = only when the CPP's report is allowed."""

    name: str
    dtype: str  # str, int, float, bool, object (a nested mapping)
    unit: str
    meaning: str
    always: bool = True
    nullable: bool = False


@dataclass(frozen=True)
class JsonFile:
    name: str
    file: str
    meaning: str
    keys: tuple[Key, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)


# --------------------------------------------------------------------------- columns

PCT = "%"
PP = "percentage points"
N = "answers"
R = "respondents"


def _c(name: str, dtype: str, unit: str, meaning: str) -> Column:
    return Column(name, dtype, unit, meaning)


CPP = _c("cpp", "str", "", "CPP slug (data/reference/cpps.csv)")
ITEM = _c("item", "str", "", "statement id from the checklist codebook")
THEME = _c("theme", "str", "", "theme id from the checklist codebook")
SUPPRESSED = _c(
    "suppressed", "bool", "", "true where the suppression rules withhold the row (figures blank)"
)
SIGNIFICANCE = _c(
    "significance",
    "str",
    "",
    "'higher' or 'lower' when q_value < the round's q_threshold (in the direction of "
    "diff_pp), 'similar' otherwise, empty when not tested",
)


def _counts(prefix: str = "", who: str = "") -> tuple[Column, ...]:
    return (
        _c(f"{prefix}n_valid", "int", N, f"answers other than Don't know and blank{who}"),
        _c(f"{prefix}n_positive", "int", N, f"Strongly agree + Agree answers{who}"),
    )


OPTION_COUNTS = (
    _c("n_strongly_agree", "int", N, "Strongly agree answers"),
    _c("n_agree", "int", N, "Agree answers"),
    _c("n_disagree", "int", N, "Disagree answers"),
    _c("n_strongly_disagree", "int", N, "Strongly disagree answers"),
    _c("n_blank", "int", N, "statement left blank"),
    _c("n_answered", "int", N, "n_valid + n_dont_know"),
    _c("n_negative", "int", N, "Disagree + Strongly disagree answers"),
    _c("pct_dont_know", "float", PCT, "100 * n_dont_know / n_answered"),
    _c(
        "mean_score",
        "float",
        "1-4 scale",
        "mean answer over valid answers (Strongly disagree = 1 ... Strongly agree = 4)",
    ),
    _c("net_agreement", "float", PP, "100 * (n_positive - n_negative) / n_valid"),
    _c("minority_share", "float", PCT, "100 * min(n_positive, n_negative) / n_valid"),
    _c("consensus", "float", "0-1 index", "Tastle-Wierman consensus (1 = everyone agrees)"),
)
TOO_FEW = _c(
    "too_few_valid",
    "bool",
    "",
    "fewer valid answers than thresholds.min_valid_statement: no percentage is shown",
)
MC_SETTLED = _c(
    "mc_settled",
    "bool",
    "",
    "the Monte Carlo p-value was drawn until the verdict could not change (false: capped)",
)
DEFF = _c(
    "deff",
    "float",
    "ratio",
    "design effect of clustering members in CPPs (cluster-robust variance / naive variance)",
)
PCT_POSITIVE = _c("pct_positive", "float", PCT, "100 * n_positive / n_valid")
WILSON = (
    _c("ci_low", "float", PCT, "Wilson score 95% interval for pct_positive, lower end"),
    _c("ci_high", "float", PCT, "Wilson score 95% interval for pct_positive, upper end"),
)
N_DK = _c("n_dont_know", "int", N, "Don't know answers")


def _diff(what: str, method: str) -> tuple[Column, ...]:
    return (
        _c("diff_pp", "float", PP, what),
        _c("diff_ci_low", "float", PP, f"{method} 95% interval for diff_pp, lower end"),
        _c("diff_ci_high", "float", PP, f"{method} 95% interval for diff_pp, upper end"),
    )


SCORE_MEANING = (
    "theme score: mean over members of each member's share of agreement (the % of the "
    "theme's statements they rated that they agreed with; Don't know and blank left out)"
)
PERMUTATION = (
    _c(
        "p_value",
        "float",
        "probability",
        "two-sided studentized (Welch t) permutation test of the mean theme score",
    ),
    _c("p_mc_se", "float", "probability", "Monte Carlo standard error of p_value"),
    _c("permutations", "int", "permutations", "permutations drawn (sequential stopping)"),
)


def _theme_score(prefix: str = "", who: str = "") -> tuple[Column, ...]:
    return (
        _c(f"{prefix}n_respondents", "int", R, f"members with a theme score{who}"),
        _c(f"{prefix}score", "float", PCT, SCORE_MEANING + who),
        _c(f"{prefix}sd", "float", PCT, f"standard deviation of members' theme scores{who}"),
    )


T_INTERVAL = (
    _c("ci_low", "float", PCT, "Student t 95% interval for score, lower end (clipped to 0-100)"),
    _c("ci_high", "float", PCT, "Student t 95% interval for score, upper end (clipped to 0-100)"),
)
REST = " (rest of Scotland: every other pooled CPP)"

CHANGE_ITEM_COLUMNS = (
    *_counts(),
    PCT_POSITIVE,
    _c("pct_dont_know", "float", PCT, "100 * n_dont_know / n_answered"),
)
CHANGE_ITEM_BASE = (
    _c("n_valid_base", "int", N, "n_valid in the baseline round"),
    _c("n_positive_base", "int", N, "n_positive in the baseline round"),
    _c("pct_positive_base", "float", PCT, "pct_positive in the baseline round"),
    _c("pct_dont_know_base", "float", PCT, "pct_dont_know in the baseline round"),
)
CHANGE_ITEM_TEST = (
    *_diff("pct_positive - pct_positive_base", "Newcombe hybrid score"),
    _c(
        "p_value",
        "float",
        "probability",
        "two-sided Fisher's exact test, this round vs the baseline",
    ),
)
CHANGE_THEME_COLUMNS = (
    _c("n_respondents", "int", R, "members with a theme score"),
    _c("score", "float", PCT, SCORE_MEANING),
    _c("n_respondents_base", "int", R, "n_respondents in the baseline round"),
    _c("score_base", "float", PCT, "score in the baseline round"),
    *_diff("score - score_base", "Welch t"),
    *PERMUTATION,
)

# --------------------------------------------------------------------------- tables

_TABLES = (
    Table(
        "cpp_items",
        "cpp_items.csv",
        "participating CPP x statement",
        "each CPP's answers to each statement against the rest of Scotland pooled",
        (
            CPP,
            ITEM,
            *_counts(),
            N_DK,
            PCT_POSITIVE,
            *WILSON,
            *_counts("rest_", REST),
            _c(
                "p_value",
                "float",
                "probability",
                "two-sided Fisher's exact test: positive / not positive x this CPP / rest",
            ),
            _c("q_value", "float", "probability", "Benjamini-Hochberg over this CPP's statements"),
            SUPPRESSED,
            THEME,
            *OPTION_COUNTS,
            _c("rest_pct_positive", "float", PCT, "pct_positive of the rest of Scotland"),
            _c("rest_pct_dont_know", "float", PCT, "pct_dont_know of the rest of Scotland"),
            TOO_FEW,
            *_diff("pct_positive - rest_pct_positive", "Newcombe hybrid score"),
            SIGNIFICANCE,
            _c(
                "polarisation_p",
                "float",
                "probability",
                "supremum p of the polarisation test against single-peaked boards of this size",
            ),
            _c("polarised", "bool", "", "polarisation_p < q_threshold: members at both ends"),
            _c("p_above_75", "float", "probability", "posterior probability the true % > 75"),
            _c("p_below_60", "float", "probability", "posterior probability the true % < 60"),
            _c(
                "category",
                "str",
                "",
                "strength / improvement / information_gap / neither / insufficient / "
                "suppressed (the rule of cpsa.stats.classify)",
            ),
            _c("certainty", "float", "probability", "posterior probability of the category"),
            _c("category_rank", "int", "rank", "rank within category, 1 = most certain"),
        ),
    ),
    Table(
        "national_items",
        "national_items.csv",
        "statement",
        "every statement over all pooled CPPs",
        (
            ITEM,
            *_counts(),
            N_DK,
            PCT_POSITIVE,
            *WILSON,
            THEME,
            *OPTION_COUNTS,
            DEFF,
            _c("n_cpps", "int", "CPPs", "CPPs pooled"),
        ),
    ),
    Table(
        "cpp_themes",
        "cpp_themes.csv",
        "participating CPP x theme",
        "each CPP's theme scores against the rest of Scotland pooled",
        (
            CPP,
            THEME,
            *_theme_score(),
            *T_INTERVAL,
            *_theme_score("rest_", REST),
            _c("rest_ci_low", "float", PCT, "Student t 95% interval for rest_score, lower end"),
            _c("rest_ci_high", "float", PCT, "Student t 95% interval for rest_score, upper end"),
            *_diff("score - rest_score", "Welch t"),
            *PERMUTATION,
            MC_SETTLED,
            _c("q_value", "float", "probability", "Benjamini-Hochberg over this CPP's themes"),
            SIGNIFICANCE,
            TOO_FEW,
            SUPPRESSED,
        ),
    ),
    Table(
        "national_themes",
        "national_themes.csv",
        "theme",
        "theme scores over all pooled CPPs",
        (
            THEME,
            *_theme_score(),
            *T_INTERVAL,
            _c("n_cpps", "int", "CPPs", "CPPs pooled"),
            DEFF,
        ),
    ),
    Table(
        "cpp_change_items",
        "cpp_change_items.csv",
        "CPP in both rounds x statement in both codebooks",
        "each CPP's % positive now against the baseline round (no rows without a baseline)",
        (
            CPP,
            ITEM,
            *CHANGE_ITEM_COLUMNS,
            THEME,
            *CHANGE_ITEM_BASE,
            *CHANGE_ITEM_TEST,
            _c("q_value", "float", "probability", "Benjamini-Hochberg over this CPP's statements"),
            SIGNIFICANCE,
            TOO_FEW,
            SUPPRESSED,
        ),
    ),
    Table(
        "cpp_change_themes",
        "cpp_change_themes.csv",
        "CPP in both rounds x theme in both codebooks",
        "each CPP's theme scores now against the baseline round (no rows without a baseline)",
        (
            CPP,
            THEME,
            *CHANGE_THEME_COLUMNS,
            MC_SETTLED,
            _c("q_value", "float", "probability", "Benjamini-Hochberg over this CPP's themes"),
            SIGNIFICANCE,
            TOO_FEW,
            SUPPRESSED,
        ),
    ),
    Table(
        "national_change_items",
        "national_change_items.csv",
        "statement in both codebooks",
        "% positive over all pooled CPPs now against the baseline round",
        (
            _c(
                "scope",
                "str",
                "",
                "'all' (every pooled CPP of each round) or 'both_rounds' (CPPs pooled in both)",
            ),
            ITEM,
            THEME,
            *CHANGE_ITEM_COLUMNS,
            *CHANGE_ITEM_BASE,
            _c("n_cpps", "int", "CPPs", "CPPs pooled this round"),
            _c("n_cpps_base", "int", "CPPs", "CPPs pooled in the baseline round"),
            *_diff("pct_positive - pct_positive_base", "cluster-robust (CPPs as clusters)"),
            _c("p_value", "float", "probability", "cluster-robust t test, this round vs baseline"),
            DEFF,
            _c("q_value", "float", "probability", "Benjamini-Hochberg over the scope's statements"),
            SIGNIFICANCE,
        ),
    ),
    Table(
        "national_change_themes",
        "national_change_themes.csv",
        "theme in both codebooks",
        "theme scores over all pooled CPPs now against the baseline round",
        (
            _c(
                "scope",
                "str",
                "",
                "'all' (every pooled CPP of each round) or 'both_rounds' (CPPs pooled in both)",
            ),
            THEME,
            _c("n_cpps", "int", "CPPs", "CPPs pooled this round"),
            _c("n_respondents", "int", R, "members with a theme score"),
            _c("score", "float", PCT, SCORE_MEANING),
            _c("n_cpps_base", "int", "CPPs", "CPPs pooled in the baseline round"),
            _c("n_respondents_base", "int", R, "n_respondents in the baseline round"),
            _c("score_base", "float", PCT, "score in the baseline round"),
            *_diff("score - score_base", "cluster-robust (CPPs as clusters)"),
            _c("p_value", "float", "probability", "cluster-robust t test, this round vs baseline"),
            DEFF,
            _c("q_value", "float", "probability", "Benjamini-Hochberg over the scope's themes"),
            SIGNIFICANCE,
        ),
    ),
    Table(
        "partner_types",
        "partner_types.csv",
        "theme x partner type",
        "theme scores by partner type nationally, each against all other partner types",
        (
            THEME,
            _c("partner_type", "str", "", "partner type id (data/reference/partner_types.csv)"),
            *_theme_score(),
            *_theme_score("others_", " (all other partner types)"),
            _c("p_value", "float", "probability", "cluster-robust t test vs the other types"),
            _c("omnibus_f", "float", "F", "cluster-robust Wald F over all partner types"),
            _c("omnibus_p_value", "float", "probability", "p-value of the omnibus F test"),
            _c("ci_low", "float", PCT, "cluster-robust 95% interval for score, lower end"),
            _c("ci_high", "float", PCT, "cluster-robust 95% interval for score, upper end"),
            *_diff("score - others_score", "cluster-robust (CPPs as clusters)"),
            DEFF,
            _c("n_cpps_with_type", "int", "CPPs", "pooled CPPs with members of this type"),
            _c("q_value", "float", "probability", "Benjamini-Hochberg over every row"),
            _c(
                "omnibus_q_value",
                "float",
                "probability",
                "Benjamini-Hochberg over the omnibus tests",
            ),
            SIGNIFICANCE,
            SUPPRESSED,
        ),
    ),
    Table(
        "variation_themes",
        "variation_themes.csv",
        "theme",
        "how reported CPPs' theme scores spread, anonymised",
        (
            THEME,
            _c("n_cpps", "int", "CPPs", "CPPs with a reported theme score"),
            _c(
                "n_higher",
                "int",
                "CPPs",
                "CPPs higher than the rest of Scotland (one national BH family)",
            ),
            _c(
                "n_lower",
                "int",
                "CPPs",
                "CPPs lower than the rest of Scotland (one national BH family)",
            ),
            _c("n_similar", "int", "CPPs", "CPPs not told apart from the rest of Scotland"),
            _c(
                "n_tests_family",
                "int",
                "tests",
                "CPP x theme tests in the one Benjamini-Hochberg family behind these counts",
            ),
            _c("score_q25", "float", PCT, "lower quartile of CPP theme scores, to 5 points"),
            _c("score_median", "float", PCT, "median of CPP theme scores, to 5 points"),
            _c("score_q75", "float", PCT, "upper quartile of CPP theme scores, to 5 points"),
        ),
    ),
    Table(
        "participation",
        "participation.csv",
        "'all', then one row per partner type",
        "who answered over the pooled CPPs; the round-level columns are on the 'all' row only",
        (
            _c("group", "str", "", "'all' or a partner type id"),
            _c("n_respondents", "int", R, "respondents"),
            _c("pct_of_respondents", "float", PCT, "share of all respondents"),
            SUPPRESSED,
            _c("n_cpps_participating", "int", "CPPs", "CPPs listed in the round"),
            _c("n_cpps_reported", "int", "CPPs", "CPPs with enough respondents for a report"),
            _c("n_cpps_pooled", "int", "CPPs", "CPPs pooled into the national figures"),
            _c("members_invited", "int", "members", "board members invited (board sizes)"),
            _c("response_rate", "float", PCT, "100 * respondents / members_invited"),
            _c("cpp_response_rate_q25", "float", PCT, "lower quartile of CPP response rates"),
            _c("cpp_response_rate_median", "float", PCT, "median CPP response rate"),
            _c("cpp_response_rate_q75", "float", PCT, "upper quartile of CPP response rates"),
        ),
    ),
    Table(
        "comment_counts",
        "comment_counts.csv",
        "theme x kind of comment",
        "how many comments were made over the pooled CPPs (never their text)",
        (
            THEME,
            _c("kind", "str", "", "'strengths' or 'improvements'"),
            _c("n_comments", "int", "comments", "non-empty comments"),
            _c("n_cpps_with_comments", "int", "CPPs", "CPPs with at least one such comment"),
        ),
    ),
    Table(
        "dont_know",
        "dont_know.csv",
        "statement",
        "the national Don't know rate of each statement",
        (
            ITEM,
            THEME,
            _c("n_answered", "int", N, "answers other than blank"),
            N_DK,
            _c("pct_dont_know", "float", PCT, "100 * n_dont_know / n_answered"),
            _c("ci_low", "float", PCT, "Wilson score 95% interval for pct_dont_know, lower end"),
            _c("ci_high", "float", PCT, "Wilson score 95% interval for pct_dont_know, upper end"),
            _c(
                "n_cpps_information_gap",
                "int",
                "CPPs",
                "reported CPPs where at least 25% answered Don't know",
            ),
        ),
    ),
)
_TABLES += (
    Table(
        "participation_cpps",
        "participation_cpps.csv",
        "participating CPP",
        "who took part: board members invited and answering in each participating CPP "
        "(participation is public; no results by CPP)",
        (
            CPP,
            _c("members_invited", "int", "members", "board members invited (blank if unknown)"),
            _c("n_respondents", "int", R, "board members who answered"),
            _c("reported", "bool", "", "the CPP had enough answers to be reported"),
        ),
    ),
    Table(
        "comment_topics",
        "comment_topics.csv",
        "theme x comment box x topic (topic 0: no recurring topic)",
        "recurring topics of the redacted comments, found by a seeded NMF topic model "
        "(cpsa.stats.topics); never verbatim text",
        (
            THEME,
            _c("kind", "str", "", "'strengths' or 'improvements'"),
            _c("topic", "int", "rank", "1 = most comments; 0 = no recurring topic"),
            _c("label", "str", "", "label shown in the overview"),
            _c(
                "label_source",
                "str",
                "",
                "'terms', 'analyst' (params/<round>/topics.yaml) or 'none'",
            ),
            _c("terms", "str", "", "the topic's top 5 terms, '; '-separated"),
            _c(
                "n_comments",
                "int",
                "comments",
                "comments whose dominant topic this is (blank if suppressed)",
            ),
            _c("pct_of_comments", "float", PCT, "share of the theme x box's comments"),
            _c("n_cpps", "int", "CPPs", "CPPs whose comments raise the topic"),
            SUPPRESSED,
        ),
    ),
)
TABLES: dict[str, Table] = {t.name: t for t in _TABLES}


def _cut(name: str, of: str, row: str) -> Table:
    src = TABLES[of]
    return Table(
        f"by_cpp/{name}",
        f"by_cpp/<slug>/{name}.csv",
        row,
        f"the CPP's rows of {src.file} (headers only when its report is not allowed)",
        src.columns,
    )


BUNDLE: dict[str, Table] = {
    t.name.removeprefix("by_cpp/"): t
    for t in (
        _cut("items", "cpp_items", "statement"),
        _cut("themes", "cpp_themes", "theme"),
        _cut("change_items", "cpp_change_items", "statement in both rounds"),
        _cut("change_themes", "cpp_change_themes", "theme in both rounds"),
        Table(
            "by_cpp/benchmark",
            "by_cpp/<slug>/benchmark.csv",
            "comparison x theme",
            "where the board stands among the reported boards (cpsa.tables.benchmark); other "
            "boards only as quartiles or pooled, never named (headers only when not allowed)",
            (
                THEME,
                _c("comparison", "str", "", "'all boards' or the comparison group's name"),
                _c("n_boards", "int", "CPPs", "other reported boards compared with"),
                _c("shown", "bool", "", "false where too few boards to compare (figures blank)"),
                _c("score", "float", PCT, "this board's theme score"),
                _c("ci_low", "float", PCT, "95% interval of score, lower end"),
                _c("ci_high", "float", PCT, "95% interval of score, upper end"),
                _c(
                    "boards_q25",
                    "float",
                    PCT,
                    "lower quartile of the other boards' scores, to 5 points",
                ),
                _c(
                    "boards_median", "float", PCT, "median of the other boards' scores, to 5 points"
                ),
                _c(
                    "boards_q75",
                    "float",
                    PCT,
                    "upper quartile of the other boards' scores, to 5 points",
                ),
                _c("percentile", "float", PCT, "share of other boards scoring below (ties half)"),
                _c("percentile_low", "float", PCT, "percentile at the interval's lower end"),
                _c("percentile_high", "float", PCT, "percentile at the interval's upper end"),
                _c("quarter", "int", "", "1 = top quarter of boards ... 4 = bottom quarter"),
                _c("quarter_best", "int", "", "best quarter the board's interval reaches"),
                _c("quarter_worst", "int", "", "worst quarter the board's interval reaches"),
                _c("group_score", "float", PCT, "the comparison group's other members, pooled"),
                _c("group_n_respondents", "int", R, "respondents behind group_score"),
                _c("diff_pp", "float", PP, "score - group_score"),
                _c("diff_ci_low", "float", PP, "95% Welch interval of diff_pp, lower end"),
                _c("diff_ci_high", "float", PP, "95% Welch interval of diff_pp, upper end"),
                _c(
                    "significance",
                    "str",
                    "",
                    "'higher'/'lower' if that interval excludes 0, else 'similar'",
                ),
            ),
        ),
        Table(
            "by_cpp/comments",
            "by_cpp/<slug>/comments.csv",
            "comment",
            "the CPP's comments, redacted (email, phone, web addresses removed), ordered by "
            "theme, kind and text, never attributed (headers only when its report is not allowed)",
            (
                THEME,
                _c("kind", "str", "", "'strengths' or 'improvements'"),
                _c("text", "str", "", "the comment as written, after redaction"),
            ),
        ),
    )
}

_REPORTED = False  # Key.always for keys present only when the report is allowed

SUMMARY = JsonFile(
    "by_cpp/summary",
    "by_cpp/<slug>/summary.json",
    "what one CPP's report needs besides its tables",
    (
        Key("round", "str", "", "round name"),
        Key("cpp", "str", "", "CPP slug"),
        Key("name", "str", "", "CPP name (data/reference/cpps.csv)"),
        Key("report_allowed", "bool", "", "enough respondents for a report (suppression rule 1)"),
        Key("reason", "str", "", "why the report is or is not allowed, in words"),
        Key(
            "in_pooled_figures",
            "bool",
            "",
            "the CPP's answers are in the national and rest-of-Scotland figures "
            "(suppression rules 1 and 2: false for a CPP below the minimum left out of them)",
        ),
        Key(
            "thresholds",
            "object",
            "",
            "min_respondents_report, min_group_cpp, min_group_national, q_threshold, "
            "permutations, confidence: the round's settings",
        ),
        Key("synthetic", "bool", "", "the round uses synthetic demonstration data"),
        Key("title", "str", "", "the round's title"),
        Key("year", "int", "year", "the round's year"),
        Key("seed", "int", "", "the round's random seed"),
        Key("codebook", "str", "", "checklist codebook id"),
        Key("n_respondents", "int", R, "members who answered", _REPORTED),
        Key("members_invited", "int", "members", "board size", _REPORTED, nullable=True),
        Key(
            "response_rate",
            "float",
            PCT,
            "100 * n_respondents / members_invited",
            _REPORTED,
            nullable=True,
        ),
        Key("n_statements", "int", "statements", "rows of items.csv", _REPORTED),
        Key("n_rest_cpps", "int", "CPPs", "CPPs pooled as the rest of Scotland", _REPORTED),
        Key("n_rest_respondents", "int", R, "respondents of those CPPs", _REPORTED),
        Key("n_strengths", "int", "statements", "category == strength", _REPORTED),
        Key("n_improvements", "int", "statements", "category == improvement", _REPORTED),
        Key("n_information_gaps", "int", "statements", "category == information_gap", _REPORTED),
        Key("n_polarised", "int", "statements", "polarised statements", _REPORTED),
        Key(
            "rest_comparison",
            "bool",
            "",
            "enough reported CPPs (thresholds.min_reported_cpps) for rest-of-Scotland figures",
            _REPORTED,
        ),
        Key("n_significantly_higher", "int", "statements", "significance == higher", _REPORTED),
        Key("n_significantly_lower", "int", "statements", "significance == lower", _REPORTED),
        Key("n_comments", "int", "comments", "rows of comments.csv", _REPORTED),
        Key("has_change", "bool", "", "change_items.csv has unsuppressed rows", _REPORTED),
        Key("baseline", "str", "", "the baseline round", _REPORTED, nullable=True),
    ),
)


def table(name: str) -> Table:
    """The declaration of a round table ("cpp_items") or a bundle file ("by_cpp/items")."""
    if name.startswith("by_cpp/"):
        found = BUNDLE.get(name.removeprefix("by_cpp/"))
    else:
        found = TABLES.get(name)
    if found is None:
        known = [*TABLES, *(f"by_cpp/{b}" for b in BUNDLE)]
        raise SchemaError(f"no table {name!r} in cpsa.tables.schema; known: {', '.join(known)}")
    return found


# --------------------------------------------------------------------------- checking


def _dtype_ok(s: pd.Series, dtype: str) -> bool:
    values = s.dropna()
    if values.empty:
        return True  # an empty or all-blank column has no type to check
    kind = s.dtype.kind
    if dtype == "str":
        return all(isinstance(v, str) for v in values.to_numpy(dtype=object))
    if dtype == "bool":
        return kind == "b" or s.dtype.name == "boolean" or values.map(type).eq(bool).all()
    if dtype == "int":
        return kind in "iu" or s.dtype.name in ("Int64", "Int32")
    return kind in "iuf" or s.dtype.name in ("Float64", "Int64")


def check_frame(df: pd.DataFrame, decl: Table | str) -> None:
    """Raise :class:`SchemaError` unless ``df`` has exactly the declared columns and types."""
    t = table(decl) if isinstance(decl, str) else decl
    got = tuple(map(str, df.columns))
    if got != t.names:
        missing = [c for c in t.names if c not in got]
        extra = [c for c in got if c not in t.names]
        what = []
        if missing:
            what.append(f"missing column(s) {missing}")
        if extra:
            what.append(f"undeclared column(s) {extra}")
        if not what:
            what.append(f"columns out of order: {list(got)} (declared {list(t.names)})")
        raise SchemaError(
            f"table {t.name}: {'; '.join(what)}. Declare every column in "
            "src/cpsa/tables/schema.py and regenerate docs/tables.md"
        )
    for c in t.columns:
        if not _dtype_ok(df[c.name], c.dtype):
            raise SchemaError(
                f"table {t.name}, column {c.name}: expected {c.dtype}, got {df[c.name].dtype}"
            )


def check_summary(summary: dict[str, Any]) -> None:
    """Raise :class:`SchemaError` unless ``summary`` has exactly the declared keys."""
    allowed = bool(summary.get("report_allowed"))
    declared = {k.name: k for k in SUMMARY.keys}
    extra = sorted(set(summary) - set(declared))
    needed = [k.name for k in SUMMARY.keys if k.always or allowed]
    missing = [k for k in needed if k not in summary]
    if extra or missing:
        raise SchemaError(
            f"{SUMMARY.file}: missing key(s) {missing}, undeclared key(s) {extra}; "
            "declare them in src/cpsa/tables/schema.py"
        )
    types = {"str": str, "int": int, "float": (int, float), "bool": bool, "object": dict}
    for name, value in summary.items():
        k = declared[name]
        if value is None and k.nullable:
            continue
        ok = isinstance(value, types[k.dtype])
        if k.dtype in ("int", "float") and isinstance(value, bool):
            ok = False
        if not ok:
            raise SchemaError(f"{SUMMARY.file}: key {name} should be {k.dtype}, got {value!r}")


# --------------------------------------------------------------------------- reading


def read_csv(path: Path, decl: Table | str) -> pd.DataFrame:
    """Read a written table with its declared types; :class:`SchemaError` if it does not match."""
    t = table(decl) if isinstance(decl, str) else decl
    if not path.is_file():
        raise SchemaError(f"missing table {path}; run `cpsa tables --round <round>` first")
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(",")
    if tuple(header) != t.names:
        raise SchemaError(
            f"{path} does not have the columns of table {t.name} (it was written by another "
            f"version of cpsa): re-run `cpsa tables --round <round>`. Missing: "
            f"{[c for c in t.names if c not in header]}; undeclared: "
            f"{[c for c in header if c not in t.names]}"
        )
    read_as = {"str": str, "int": "Int64", "float": float, "bool": str}
    df = pd.read_csv(
        path,
        dtype={c.name: read_as[c.dtype] for c in t.columns},
        keep_default_na=False,
        na_values=[""],
    )
    for c in t.columns:
        if c.dtype == "bool":
            s = df[c.name].map({"true": True, "false": False}).astype("boolean")
            df[c.name] = s.astype(bool) if not s.isna().any() else s
        elif c.dtype == "str":
            df[c.name] = df[c.name].astype(object)
    # the CSV writer stores formula-like text with a guard apostrophe (tables.spreadsheet)
    return restore_frame(df)


def read_summary(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SchemaError(f"missing {path}; run `cpsa tables --round <round>` first")
    summary = json.loads(path.read_text(encoding="utf-8"))
    check_summary(summary)
    return summary


# --------------------------------------------------------------------------- docs


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table_doc(t: Table) -> Iterable[str]:
    yield f"### `{t.file}`"
    yield ""
    yield f"{t.meaning[0].upper()}{t.meaning[1:]}. One row per {t.row}."
    yield ""
    yield "| column | type | unit | meaning |"
    yield "|---|---|---|---|"
    for c in t.columns:
        yield f"| `{c.name}` | {c.dtype} | {_md_cell(c.unit)} | {_md_cell(c.meaning)} |"
    yield ""


def markdown() -> str:
    """docs/tables.md: every declared table and key, generated from this module."""
    out = [
        "# Tables reference",
        "",
        "<!-- Generated by `python -m cpsa.tables.schema > docs/tables.md`; do not edit. -->",
        "",
        "Every table `cpsa tables --round <round>` writes under `outputs/<round>/tables/`, "
        "declared once in `src/cpsa/tables/schema.py`. The writer refuses a table that "
        "does not match its declaration; the report code reads tables only through it.",
        "Floats are rounded to 6 decimals, booleans are `true`/`false`, a blank cell is "
        "missing (suppressed or not applicable). Percentages are 0-100.",
        "",
        "## Round tables (restricted: they name each CPP)",
        "",
    ]
    for t in TABLES.values():
        out.extend(_table_doc(t))
    out += ["## Per-CPP bundle: `by_cpp/<slug>/` (all one CPP's report may read)", ""]
    for t in BUNDLE.values():
        out.extend(_table_doc(t))
    out += [f"### `{SUMMARY.file}`", "", f"{SUMMARY.meaning[0].upper()}{SUMMARY.meaning[1:]}.", ""]
    out += ["| key | type | unit | present | meaning |", "|---|---|---|---|---|"]
    for k in SUMMARY.keys:
        when = "always" if k.always else "if report_allowed"
        typ = k.dtype + (" or null" if k.nullable else "")
        out.append(f"| `{k.name}` | {typ} | {_md_cell(k.unit)} | {when} | {_md_cell(k.meaning)} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # python -m cpsa.tables.schema > docs/tables.md
    import sys

    sys.stdout.write(markdown())
