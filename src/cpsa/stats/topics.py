"""Recurring topics in members' comments, nationally, without quoting anyone.

Method (documented in docs/methodology.md, "Comment topics"):

1. Comments are redacted first (contact details removed) and only comments of
   CPPs in the national pool are used.
2. Words and two-word phrases are the candidate terms (scikit-learn's English
   stop words removed, plus every word of a CPP's name so that no label can
   name a partnership). A term is kept only if it occurs in at least
   ``min_term_comments`` comments written in at least ``min_term_cpps``
   different CPPs: a word used by one board alone can never become a label.
3. Generic phrasing is dropped: a term used in the comments of more than half
   of the themes ("good progress", "partners", "board members") says how
   members write, not what about, so it is treated as a stop word.
4. For each theme and box (strengths, improvements) separately, non-negative
   matrix factorisation (NMF, ``init="nndsvda"``, fixed ``random_state``) on the
   TF-IDF matrix (sublinear term frequency) finds ``n_topics`` topics. Each
   comment is counted under its dominant topic; a comment with none of the kept
   terms counts as "no recurring topic".
5. Topics are numbered by size. A topic is shown only when at least
   ``min_comments`` comments from at least ``min_cpps`` CPPs raise it;
   otherwise its counts are blanked (``suppressed``).

NMF was chosen over latent Dirichlet allocation after comparing both on the
demo comments, where the subject of every comment is known: NMF recovered the
subjects better (mean adjusted Rand index 0.95 against 0.88 for LDA over the
18 theme x box sets and three seeds) and is deterministic given its seed.

The labels are the topic's three top terms unless an analyst has labelled the
topic in ``params/<round>/topics.yaml`` (matched on theme, box and the exact
list of top terms, so a label never sticks to a topic that has changed).
Nothing here returns comment text: only terms, counts and labels.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cpsa.config import load_yaml_file
from cpsa.errors import ConfigError

log = logging.getLogger("cpsa.stats.topics")

KINDS = ("strengths", "improvements")
TERMS_SHOWN = 5  # top terms kept per topic (the label uses the first three)
LABEL_TERMS = 3
COLUMNS = (
    "theme",
    "kind",
    "topic",
    "label",
    "label_source",
    "terms",
    "n_comments",
    "pct_of_comments",
    "n_cpps",
    "suppressed",
)


@dataclass(frozen=True)
class TopicSettings:
    """How topics are found and when one is shown (from round.yaml and topics.yaml)."""

    n_topics: int = 3
    seed: int = 0
    min_term_comments: int = 3
    min_term_cpps: int = 3
    min_comments: int = 5
    min_cpps: int = 5
    labels: Mapping[tuple[str, str, str], str] = field(default_factory=dict)


def topics_file(params_dir: Path) -> Path:
    """``params/<round>/topics.yaml``: the analyst's topic labels and settings."""
    return params_dir / "topics.yaml"


def load_labels(file: Path) -> tuple[int | None, dict[tuple[str, str, str], str]]:
    """(n_topics or None, {(theme, kind, terms): label}) from an analyst's topics.yaml."""
    if not file.is_file():
        return None, {}
    doc = load_yaml_file(file) or {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{file} must be a mapping with 'n_topics' and 'labels'")
    n = doc.get("n_topics")
    if n is not None and (not isinstance(n, int) or not 1 <= n <= 10):
        raise ConfigError(f"{file}: n_topics must be a whole number from 1 to 10, not {n!r}")
    labels: dict[tuple[str, str, str], str] = {}
    for i, entry in enumerate(doc.get("labels") or [], start=1):
        if not isinstance(entry, dict) or not {"theme", "kind", "terms", "label"} <= set(entry):
            raise ConfigError(f"{file}: label {i} needs theme, kind, terms and label")
        if entry["kind"] not in KINDS:
            raise ConfigError(f"{file}: label {i} has kind {entry['kind']!r}; use {KINDS}")
        key = (str(entry["theme"]), str(entry["kind"]), str(entry["terms"]).strip())
        labels[key] = str(entry["label"]).strip()
    return n, labels


def template(table: pd.DataFrame) -> str:
    """A topics.yaml an analyst can edit: every topic found, labelled by its terms."""
    lines = [
        "# Analyst labels for the comment topics of the national overview.",
        "# Edit a label; keep theme, kind and terms as they are (they identify the topic).",
        "# The next build uses these labels; a label whose terms no longer match is ignored.",
        "labels:",
    ]
    for _, r in table[table["topic"] > 0].iterrows():
        lines += [
            f"  - theme: {r['theme']}",
            f"    kind: {r['kind']}",
            f"    terms: {yaml.safe_dump(str(r['terms']), default_style=chr(34)).strip()}",
            f"    label: {yaml.safe_dump(str(r['label']), default_style=chr(34)).strip()}",
        ]
    return "\n".join(lines) + "\n"


def label_of(terms: list[str]) -> str:
    """A readable label from top terms: phrases first, words already in a phrase dropped."""
    phrases = [x for x in terms if " " in x]
    words = [x for x in terms if " " not in x and not any(x in p.split() for p in phrases)]
    kept = [x for x in terms if x in phrases or x in words][:LABEL_TERMS]
    label = ", ".join(kept) if kept else ", ".join(terms[:LABEL_TERMS])
    return label[:1].upper() + label[1:]


def name_words(names: Iterable[str]) -> set[str]:
    """Every word of the given names, lower case (CPP names and their aliases)."""
    return {w for n in names for w in re.findall(r"[a-z]+", str(n).lower()) if len(w) > 1}


def _documents(texts) -> tuple[list[str], np.ndarray]:
    """(distinct texts, index of each comment's text in them).

    Tokenising is a pure function of the text, so each distinct text is tokenised
    once and a comment's row of a document-term matrix is its text's row
    (``matrix[codes]``: the same sparse rows, values and order as tokenising every
    comment). A large round repeats many short comments.
    """
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    return [str(u) for u in uniques], np.asarray(codes, dtype=np.int64)


def _groups_with_term(x, codes: np.ndarray, groups) -> np.ndarray:
    """Per term (column of ``x``, one row per distinct text), in how many groups it occurs."""
    from scipy import sparse

    group_codes, labels = pd.factorize(pd.Series(groups, dtype=object).astype(str))
    n_texts = x.shape[0]
    # the distinct (group, text) pairs, as one integer key each
    pairs = np.unique(group_codes.astype(np.int64) * n_texts + codes)
    member = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=np.int64), (pairs // n_texts, pairs % n_texts)),
        shape=(len(labels), n_texts),
    )
    present = (member @ x) > 0
    return np.asarray(present.sum(axis=0)).ravel().astype(int)


def _vocabulary(
    texts: pd.Series, cpps: pd.Series, themes: pd.Series, stop: set[str], s: TopicSettings
) -> list[str]:
    from sklearn.feature_extraction.text import CountVectorizer

    uniques, codes = _documents(texts)
    cv = CountVectorizer(stop_words=sorted(stop), ngram_range=(1, 2), binary=True)
    try:
        x = cv.fit_transform(uniques)  # the same terms as over every comment
    except ValueError:  # nothing but stop words
        return []
    terms = cv.get_feature_names_out()
    weight = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
    n_comments = np.asarray(x.T @ weight).ravel()
    n_cpps = _groups_with_term(x, codes, cpps.to_numpy())
    theme_ids = list(pd.unique(themes))
    n_themes = _groups_with_term(x, codes, themes.to_numpy())
    generic = n_themes > len(theme_ids) / 2 if len(theme_ids) >= 3 else np.zeros(len(terms), bool)
    keep = (n_comments >= s.min_term_comments) & (n_cpps >= s.min_term_cpps) & ~generic
    return sorted(terms[keep].tolist())


def _term_counts(texts: list[str], vocabulary: list[str]):
    """(term counts of each distinct text, float64 as TfidfVectorizer counts, text codes)."""
    from sklearn.feature_extraction.text import CountVectorizer

    uniques, codes = _documents(texts)
    cv = CountVectorizer(vocabulary=vocabulary, ngram_range=(1, 2), dtype=np.float64)
    return cv.fit_transform(uniques), codes


def _fit(counts, n_texts: int, vocabulary: list[str], n_topics: int, seed: int):
    """(top terms per topic, dominant topic per comment: -1 for none).

    ``counts``: the comments' term-count rows (float64), or None when there is no
    vocabulary. TF-IDF as ``TfidfVectorizer(vocabulary=..., ngram_range=(1, 2),
    sublinear_tf=True).fit_transform(texts)`` computes it from those counts.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfTransformer

    if not vocabulary:  # too few comments share any term: no topic can be found
        return [], np.full(n_texts, -1)
    tfidf = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True)
    x = tfidf.fit(counts).transform(counts, copy=False)
    used = np.asarray(x.sum(axis=0)).ravel() > 0
    k = min(n_topics, int(used.sum()), x.shape[0])
    if k < 1:
        return [], np.full(n_texts, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny inputs
        model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=1000)
        w = model.fit_transform(x)
    terms = np.array(vocabulary)
    tops = [
        [terms[j] for j in np.argsort(-comp, kind="mergesort")[:TERMS_SHOWN] if comp[j] > 0]
        for comp in model.components_
    ]
    dominant = np.where(w.max(axis=1) > 0, w.argmax(axis=1), -1)
    return tops, dominant


def comment_topics(
    comments: pd.DataFrame,
    *,
    themes: tuple[str, ...],
    settings: TopicSettings,
    stop_names: Iterable[str] = (),
) -> pd.DataFrame:
    """comment_topics.csv from redacted comments (columns ``cpp``, ``theme``, ``kind``, ``text``).

    One row per theme x box x topic (topic 1 = most comments), plus a row with
    topic 0 for the comments that raise no recurring topic. No comment text is returned.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    c = comments[comments["text"].fillna("").astype(str).str.strip().ne("")].reset_index(drop=True)
    c = c.assign(text=c["text"].astype(str).str.lower())
    stop = set(ENGLISH_STOP_WORDS) | name_words(stop_names) | {"removed"}  # redaction markers
    vocabulary = _vocabulary(c["text"], c["cpp"], c["theme"], stop, settings) if len(c) else []
    # every comment tokenised once (per distinct text), for all theme x box fits
    counts, codes = _term_counts(c["text"].tolist(), vocabulary) if vocabulary else (None, None)
    rows: list[dict] = []
    used_labels: set[tuple[str, str, str]] = set()
    for theme in themes:
        for kind in KINDS:
            sub = c[(c["theme"] == theme) & (c["kind"] == kind)]
            total = len(sub)
            if total == 0:
                continue
            rows_of = codes[sub.index.to_numpy()] if counts is not None else None
            tops, dominant = _fit(
                counts[rows_of] if counts is not None else None,
                total,
                vocabulary,
                settings.n_topics,
                settings.seed,
            )
            found = []
            for j, terms in enumerate(tops):
                mask = dominant == j
                found.append((int(mask.sum()), j, terms, sub.loc[mask, "cpp"].nunique()))
            found.sort(key=lambda f: (-f[0], f[1]))
            for rank, (n, _, terms, n_cpps) in enumerate(found, start=1):
                joined = "; ".join(terms)
                key = (theme, kind, joined)
                analyst = settings.labels.get(key)
                if analyst:
                    used_labels.add(key)
                shown = n >= settings.min_comments and n_cpps >= settings.min_cpps
                rows.append(
                    {
                        "theme": theme,
                        "kind": kind,
                        "topic": rank,
                        "label": analyst or label_of(terms),
                        "label_source": "analyst" if analyst else "terms",
                        "terms": joined,
                        "n_comments": n if shown else None,
                        "pct_of_comments": 100 * n / total if shown else None,
                        "n_cpps": n_cpps if shown else None,
                        "suppressed": not shown,
                    }
                )
            none = int((dominant == -1).sum())
            rows.append(
                {
                    "theme": theme,
                    "kind": kind,
                    "topic": 0,
                    "label": "No recurring topic",
                    "label_source": "none",
                    "terms": "",
                    "n_comments": none,
                    "pct_of_comments": 100 * none / total,
                    "n_cpps": sub.loc[dominant == -1, "cpp"].nunique(),
                    "suppressed": False,
                }
            )
    for key in sorted(set(settings.labels) - used_labels):
        log.warning(
            "topics.yaml: the label %r (%s, %s) matches no topic of this round "
            "(terms %r); it was not used",
            settings.labels[key],
            key[0],
            key[1],
            key[2],
        )
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype(
        {"topic": "int64", "n_comments": "Int64", "n_cpps": "Int64", "suppressed": "bool"}
    )
