"""The 32 Community Planning Partnerships and the partner types on their boards.

``data/reference/cpps.csv`` (slug, name) lists one CPP per council area;
``data/reference/cpp_aliases.csv`` (alias, slug) lists the names real exports
use. ``data/reference/partner_types.csv`` (id, label, aliases with ``|``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pandas as pd

from cpsa.config import Paths, get_paths


def slugify(name: str) -> str:
    """CPP name -> slug: lower case, every run of non-letters replaced by ``-``."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]+", "-", s.lower()).strip("-")


def normalise_label(text: str) -> str:
    """Fold case, whitespace, smart quotes and '&' so labels compare robustly."""
    t = unicodedata.normalize("NFKC", str(text))
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    t = t.replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", "-")
    t = t.replace("&", " and ")
    return re.sub(r"\s+", " ", t).strip().lower()


@dataclass(frozen=True)
class Reference:
    cpps: pd.DataFrame  # slug, name
    aliases: dict[str, str]  # normalised alias -> slug (includes names and slugs)
    partner_types: pd.DataFrame  # id, label
    partner_aliases: dict[str, str]  # normalised label/alias -> id

    def cpp_name(self, slug: str) -> str:
        row = self.cpps.loc[self.cpps["slug"] == slug, "name"]
        if row.empty:
            raise KeyError(slug)
        return str(row.iloc[0])

    def match_cpp(self, text: str) -> str | None:
        return self.aliases.get(normalise_label(text))

    def match_partner_type(self, text: str) -> str | None:
        return self.partner_aliases.get(normalise_label(text))


@cache
def _load(root: str) -> Reference:
    paths = Paths(root=__import__("pathlib").Path(root))
    ref = paths.reference
    cpps = pd.read_csv(ref / "cpps.csv", dtype=str)
    aliases_df = pd.read_csv(ref / "cpp_aliases.csv", dtype=str)
    aliases: dict[str, str] = {}
    for slug, name in zip(cpps["slug"], cpps["name"], strict=True):
        aliases[normalise_label(name)] = slug
        aliases[normalise_label(slug)] = slug
        aliases[normalise_label(slug.replace("-", " "))] = slug
    for alias, slug in zip(aliases_df["alias"], aliases_df["slug"], strict=True):
        aliases[normalise_label(alias)] = slug
    pt = pd.read_csv(ref / "partner_types.csv", dtype=str).fillna("")
    partner_aliases: dict[str, str] = {}
    for pid, label, more in zip(pt["id"], pt["label"], pt["aliases"], strict=True):
        for a in [pid, label, *[x for x in more.split("|") if x]]:
            partner_aliases[normalise_label(a)] = pid
    return Reference(
        cpps=cpps[["slug", "name"]],
        aliases=aliases,
        partner_types=pt[["id", "label"]],
        partner_aliases=partner_aliases,
    )


def load_reference(paths: Paths | None = None) -> Reference:
    paths = paths or get_paths()
    return _load(str(paths.root))
