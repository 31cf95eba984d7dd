"""Where things live, and the round configuration.

The single source of paths for the whole project (cookiecutter-data-science
style): nothing else builds paths relative to the working directory. The
project root is the checkout this package was installed from, or ``CPSA_ROOT``
when set (tests point it at a temporary project).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from cpsa.errors import ConfigError

log = logging.getLogger("cpsa.config")

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]

# A round is named by its year, optionally with a lower-case prefix ("demo-2026") and/or
# suffix ("2026-pilot"). The same pattern is checked by the Makefile (ROUND_RE) and by
# every path that holds a round name (:func:`check_round_name`), so a name can never
# reach the file system or a shell with "/", "..", spaces or shell syntax in it.
ROUND_NAME = re.compile(r"^([a-z]+-)?[0-9]{4}[a-z0-9-]*$")
# A CPP slug: lower-case letters and digits in runs joined by single "-" (Makefile: CPP_RE)
SLUG_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_NAME = 64


def check_round_name(name: object, *, what: str = "round") -> str:
    """``name`` if it is a valid round name, else a ConfigError saying what is allowed.

    The one check of every round name that reaches a path (``--round``, ``baseline``,
    ``Paths.round_params/processed/round_outputs``): nothing outside the project's
    folders can be named through it.
    """
    if not isinstance(name, str) or len(name) > MAX_NAME or not ROUND_NAME.fullmatch(name):
        raise ConfigError(
            f"{what} {name!r} is not a valid round name: use the year (e.g. 2026), optionally "
            "with a lower-case prefix and/or suffix joined by '-' (demo-2026, 2026-pilot); "
            "only a-z, 0-9 and '-' are allowed"
        )
    return name


def check_slug(name: object, *, what: str = "CPP") -> str:
    """``name`` if it is a valid CPP slug (``perth-and-kinross``), else a ConfigError."""
    if not isinstance(name, str) or len(name) > MAX_NAME or not SLUG_NAME.fullmatch(name):
        raise ConfigError(
            f"{what} {name!r} is not a valid CPP slug: lower-case letters and digits joined "
            "by single '-' (e.g. perth-and-kinross)"
        )
    return name


# --------------------------------------------------------------------------- YAML

MAX_YAML_BYTES = 2_000_000  # the largest config file cpsa reads (codebooks) is ~30 kB


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: "billion laughs" bombs cannot expand."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"YAML aliases (*{event.anchor}) are not allowed in cpsa files; "
                "write the value out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def load_yaml_text(text: str, *, source: str) -> Any:
    """Parse YAML text safely: no Python objects, no aliases, bounded size.

    The one YAML loader of the project (round configs, parameter files, codebooks,
    column maps, front matter): a 591-byte alias bomb is refused at once instead of
    expanding to gigabytes.
    """
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(
            f"{source}: {len(text):,} characters is too large for a cpsa YAML file "
            f"(at most {MAX_YAML_BYTES:,})"
        )
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc


def load_yaml_file(path: Path | str) -> Any:
    """:func:`load_yaml_text` of a file (size checked before it is read)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size > MAX_YAML_BYTES:
        raise ConfigError(
            f"{path}: {size:,} bytes is too large for a cpsa YAML file (at most {MAX_YAML_BYTES:,})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return load_yaml_text(text, source=str(path))


@dataclass(frozen=True)
class Paths:
    """All project locations, derived from one root."""

    root: Path

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def checklists(self) -> Path:
        return self.params / "checklist"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def reference(self) -> Path:
        return self.data / "reference"

    @property
    def demo(self) -> Path:
        return self.data / "demo"

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def processed_root(self) -> Path:
        return self.data / "processed"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    def round_params(self, round_: str) -> Path:
        return self.params / check_round_name(round_)

    def round_config_file(self, round_: str) -> Path:
        return self.round_params(round_) / "round.yaml"

    def processed(self, round_: str) -> Path:
        return self.processed_root / check_round_name(round_)

    def round_outputs(self, round_: str) -> Path:
        return self.outputs / check_round_name(round_)

    def tables(self, round_: str) -> Path:
        return self.round_outputs(round_) / "tables"

    def reports(self, round_: str) -> Path:
        return self.round_outputs(round_) / "reports"

    def executed_notebooks(self, round_: str) -> Path:
        return self.round_outputs(round_) / "notebooks"

    def inside(self, path: Path) -> bool:
        """True when ``path`` (resolved) lies inside the project root."""
        try:
            Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True

    def resolve(self, relative: str | Path) -> Path:
        """Resolve a project-relative path from a config file; refuse escapes."""
        p = Path(relative)
        full = p if p.is_absolute() else self.root / p
        if not self.inside(full):
            raise ConfigError(
                f"path {str(relative)!r} points outside the project ({self.root}); "
                "use a path relative to the project root"
            )
        return full


def get_paths() -> Paths:
    """The project paths; ``CPSA_ROOT`` overrides the checkout root."""
    env = os.environ.get("CPSA_ROOT")
    return Paths(root=Path(env).resolve() if env else _PACKAGE_ROOT)


# --------------------------------------------------------------------------- round config

# The disclosure minimums (docs/methodology.md, docs/confidentiality.md): a round may raise
# these thresholds but lowers one only with ``allow_below_disclosure_minimum: <reason>``,
# which is logged as a warning and printed in every report's provenance.
DISCLOSURE_FLOORS: dict[str, int] = {
    "min_respondents_report": 5,
    "min_group_cpp": 5,
    "min_group_national": 5,
    "min_reported_cpps": 5,
    "min_valid_statement": 3,
}
OVERRIDE_KEY = "allow_below_disclosure_minimum"


def _round_text(value: Any) -> Any:
    # `round: 2026` is read by YAML as a number; the folder name is text
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _iso_date(value: Any) -> Any:
    # an unquoted date (2026-03-31) is read by YAML as a date
    return value.isoformat() if isinstance(value, dt.date) else value


def _check_iso(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date written YYYY-MM-DD") from None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _check_round(value: str) -> str:
    if len(value) > MAX_NAME or not ROUND_NAME.fullmatch(value):
        raise ValueError("must be a round name such as 2026 or demo-2026 (a-z, 0-9 and '-')")
    return value


def _check_slug(value: str) -> str:
    if len(value) > MAX_NAME or not SLUG_NAME.fullmatch(value):
        raise ValueError("must be a CPP slug such as perth-and-kinross (a-z, 0-9 and '-')")
    return value


def _sorted_unique(values: tuple[str, ...]) -> tuple[str, ...]:
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise ValueError(f"lists {', '.join(twice)} more than once")
    return tuple(sorted(values))


RoundName = Annotated[StrictStr, BeforeValidator(_round_text), AfterValidator(_check_round)]
Slug = Annotated[StrictStr, AfterValidator(_check_slug)]
Slugs = Annotated[tuple[Slug, ...], AfterValidator(_sorted_unique)]
Text = Annotated[StrictStr, Field(min_length=1)]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class _FieldDefaults(type(BaseModel)):  # type: ignore[misc]
    """``Thresholds.permutations`` is the default, as it was for the former dataclass."""

    def __getattr__(cls, item: str) -> Any:
        fields = cls.__dict__.get("__pydantic_fields__") or {}
        if item in fields and not fields[item].is_required():
            return fields[item].get_default(call_default_factory=True)
        return super().__getattr__(item)


class Thresholds(BaseModel, metaclass=_FieldDefaults):
    """Disclosure-control and significance settings of a round."""

    model_config = _FROZEN

    min_respondents_report: StrictInt = Field(5, ge=1)
    min_group_cpp: StrictInt = Field(5, ge=1)
    min_group_national: StrictInt = Field(10, ge=1)
    q_threshold: StrictFloat = Field(0.05, gt=0, lt=1)
    permutations: StrictInt = Field(9999, ge=99)
    # fewest reported CPPs for any rest-of-Scotland comparison, quantile or distribution
    min_reported_cpps: StrictInt = Field(5, ge=2)
    # fewest valid answers for a CPP's statement figures to be shown
    min_valid_statement: StrictInt = Field(3, ge=1)

    def below_floor(self) -> dict[str, tuple[int, int]]:
        """Thresholds set below their disclosure minimum: name -> (value, minimum)."""
        return {
            name: (getattr(self, name), floor)
            for name, floor in DISCLOSURE_FLOORS.items()
            if getattr(self, name) < floor
        }


class Publication(BaseModel):
    """The national overview's publication details (never the clock)."""

    model_config = _FROZEN

    # ISO date, YYYY-MM-DD
    date: Annotated[StrictStr, BeforeValidator(_iso_date), AfterValidator(_check_iso)]
    contact: Text  # who answers questions about the statistics (team and e-mail)


class ComparisonGroup(BaseModel):
    """An optional group of similar partnerships a CPP report may be compared with, pooled."""

    model_config = _FROZEN

    name: Text
    cpps: Slugs


class RoundConfig(BaseModel):
    """``params/<round>/round.yaml``, validated against this typed schema (pydantic)."""

    model_config = _FROZEN

    round: RoundName
    year: StrictInt = Field(ge=1990, le=2200)
    title: Text
    synthetic: StrictBool
    export: Text
    codebook: Annotated[Text, AfterValidator(_check_slug)]
    baseline: RoundName | None = None
    cpps: Annotated[Slugs, Field(min_length=1)]
    board_sizes: Text | None = None
    seed: StrictInt
    thresholds: Thresholds = Field(default_factory=Thresholds)
    publication: Publication | None = None
    # real exports: the worksheet holding the responses, and numeric answer codes -> labels
    sheet: Text | None = None
    codes: dict[StrictInt, Text] | None = None
    comparison_groups: tuple[ComparisonGroup, ...] = ()
    # optional file of board members' names to redact from comments (never in git)
    board_members: Text | None = None
    # the reason a threshold is set below its disclosure minimum (see DISCLOSURE_FLOORS)
    allow_below_disclosure_minimum: Text | None = None

    @model_validator(mode="after")
    def _disclosure_floors(self) -> RoundConfig:
        low = self.thresholds.below_floor()
        if low and self.allow_below_disclosure_minimum is None:
            what = "; ".join(
                f"thresholds.{k}: {v} is below the disclosure minimum {m}"
                for k, (v, m) in low.items()
            )
            raise ValueError(
                f"{what}. Raise it to the minimum, or (for a documented reason only) add "
                f"`{OVERRIDE_KEY}: <reason>` to round.yaml: the override is logged and printed "
                "on every report"
            )
        return self

    @property
    def disclosure_override(self) -> str | None:
        """What the round lowers below the disclosure minimums and why, or None."""
        low = self.thresholds.below_floor()
        if not low or self.allow_below_disclosure_minimum is None:
            return None
        lowered = ", ".join(f"{k} {v} (minimum {m})" for k, (v, m) in low.items())
        return f"{lowered}; reason: {self.allow_below_disclosure_minimum}"

    def export_path(self, paths: Paths | None = None) -> Path:
        return (paths or get_paths()).resolve(self.export)

    def board_sizes_path(self, paths: Paths | None = None) -> Path | None:
        if self.board_sizes is None:
            return None
        return (paths or get_paths()).resolve(self.board_sizes)

    def as_dict(self) -> dict[str, Any]:
        d = self.model_dump()
        d["cpps"] = list(self.cpps)
        return d


_REQUIRED = tuple(n for n, f in RoundConfig.model_fields.items() if f.is_required())
_OPTIONAL = tuple(n for n, f in RoundConfig.model_fields.items() if not f.is_required())

_HINTS = {
    "bool_type": "must be true or false, written without quotes",
    "int_type": "must be a whole number, written without quotes",
    "float_type": "must be a number, written without quotes",
    "string_type": "must be text",
    "tuple_type": "must be a list, one '- item' per line",
    "list_type": "must be a list, one '- item' per line",
    "dict_type": "must be a mapping of 'key: value' lines",
    "model_type": "must be a mapping of 'key: value' lines",
    "model_attributes_type": "must be a mapping of 'key: value' lines",
    "missing": "is missing",
}


def _allowed_keys(loc: tuple[Any, ...]) -> str:
    model: Any = RoundConfig
    for part in loc[:-1]:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        model = annotation
    return ", ".join(model.model_fields)


def format_validation_error(exc: ValidationError, *, source: str) -> str:
    """Every problem of a config file: the key, the value given and what is allowed."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(file)"
        kind = err["type"]
        if kind == "extra_forbidden":
            lines.append(f"{key}: unknown setting (allowed here: {_allowed_keys(loc)})")
            continue
        if kind == "missing":
            lines.append(f"{key}: missing setting")
            continue
        given = err.get("input")
        shown = f"{given!r}" + (" (text)" if isinstance(given, str) else "")
        hint = _HINTS.get(kind) or str(err["msg"]).removeprefix("Value error, ")
        if key == "(file)":
            lines.append(hint)
        else:
            lines.append(f"{key}: {shown} {hint}" if kind in _HINTS else f"{key}: {shown}: {hint}")
    return f"{source}: " + "; ".join(lines)


def parse_round(raw: Any, *, source: str, round_: str | None = None) -> RoundConfig:
    """Validate the mapping of a round.yaml; ConfigError naming each bad key and value."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, not {type(raw).__name__}")
    try:
        cfg = RoundConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source=source)) from None
    if round_ is not None and cfg.round != round_:
        raise ConfigError(
            f"{source}: 'round: {cfg.round}' does not match the folder name {round_!r}"
        )
    if cfg.disclosure_override and (cfg.round, cfg.disclosure_override) not in _WARNED:
        _WARNED.add((cfg.round, cfg.disclosure_override))
        log.warning(
            "ROUND %s LOWERS A DISCLOSURE MINIMUM: %s (printed in every report's provenance)",
            cfg.round,
            cfg.disclosure_override,
        )
    return cfg


_WARNED: set[tuple[str, str]] = set()


def list_rounds(paths: Paths | None = None) -> list[str]:
    paths = paths or get_paths()
    if not paths.params.is_dir():
        return []
    return sorted(
        p.parent.name
        for p in paths.params.glob("*/round.yaml")
        if ROUND_NAME.fullmatch(p.parent.name)
    )


def load_round(round_: str, paths: Paths | None = None) -> RoundConfig:
    """Load and validate a round config, with errors that say how to fix them."""
    paths = paths or get_paths()
    check_round_name(round_)
    file = paths.round_config_file(round_)
    if not file.is_file():
        known = ", ".join(list_rounds(paths)) or "none"
        raise ConfigError(
            f"no round config {file.relative_to(paths.root)} for round {round_!r}; "
            f"known rounds: {known}. Create params/{round_}/round.yaml (see README)."
        )
    source = file.relative_to(paths.root).as_posix()
    raw = load_yaml_file(file)
    if raw is None:
        raw = {}
    cfg = parse_round(raw, source=source, round_=round_)
    paths.resolve(cfg.export)  # refuse paths outside the project early
    if cfg.board_sizes:
        paths.resolve(cfg.board_sizes)
    if cfg.board_members:
        paths.resolve(cfg.board_members)
    return cfg
