"""Versioned social value framework definitions: load, validate, lock and diff.

Framework versions live in YAML files at ``<frameworks_dir>/<framework-id>/<version>.yaml``
(see ``docs/frameworks.md`` for the format). This module is the only code that reads them.
It has no Flask dependency so the web app, the CLI and the tests can all use it.

Immutability: every published or retired version has an entry in
``<frameworks_dir>/frameworks.lock.json`` recording the sha256 of its content. Validation
refuses a locked version whose content no longer matches: a published version is changed by
publishing a new version file, never by editing the old one. Only the lifecycle fields
(``status``, ``superseded_by``, ``effective_to``) may change after publication, so that an old
version can be retired and pointed at its successor; they are left out of the content hash.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "KINDS",
    "LIFECYCLE_FIELDS",
    "LOCK_FILE_NAME",
    "STATUSES",
    "VERIFICATION_LABELS",
    "AlternativeTitle",
    "FieldChange",
    "FrameworkDiff",
    "FrameworkLibrary",
    "FrameworkValidationError",
    "FrameworkVersion",
    "Measure",
    "MeasureChange",
    "MeasureScale",
    "Outcome",
    "OutcomeChange",
    "Problem",
    "ProxyValue",
    "ScaleDescriptor",
    "SourcedText",
    "Theme",
    "ThemeChange",
    "content_hash",
    "diff_versions",
    "framework_from_document",
    "jsonable_document",
    "load_framework_file",
    "load_library",
    "lock_path",
    "parse_ref",
    "update_lock",
    "validate_library",
]

SCHEMA_VERSION: Final = 1
LOCK_FILE_NAME: Final = "frameworks.lock.json"
LOCK_FORMAT: Final = 1
STATUSES: Final = ("draft", "published", "retired")
LOCKED_STATUSES: Final = ("published", "retired")
KINDS: Final = ("quantitative", "qualitative", "pass_fail")
VERIFICATION_LABELS: Final = ("verified", "secondary", "unverified", "local")
# Fields that may legitimately change after publication; excluded from the content hash.
LIFECYCLE_FIELDS: Final = ("status", "superseded_by", "effective_to")
LOCK_COMMAND: Final = "flask frameworks lock"

# All used with fullmatch.
_ID_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VERSION_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CODE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_HASH_RE: Final = re.compile(r"sha256:[0-9a-f]{64}")

# Column sizes used by socialvalue.models.framework; longer values would not fit the database.
_MAX_ID: Final = 100
_MAX_VERSION: Final = 50
_MAX_TITLE: Final = 300
_MAX_THEME_CODE: Final = 60
_MAX_MEASURE_CODE: Final = 80
_MAX_UNIT: Final = 60

# ---------------------------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyValue:
    """A money value per unit that a buyer chose for a quantitative measure."""

    amount_gbp: Decimal
    source: str
    year: int


@dataclass(frozen=True)
class ScaleDescriptor:
    """One point of a qualitative scale, e.g. 3 = "Good"."""

    value: int
    label: str
    description: str


@dataclass(frozen=True)
class MeasureScale:
    """The score range of a qualitative measure and what each score means."""

    minimum: int
    maximum: int
    descriptors: tuple[ScaleDescriptor, ...]
    verification: str | None = None
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SourcedText:
    """A piece of text (a note, a suggested action, context) with its verification label."""

    text: str
    verification: str
    source: str | None = None


@dataclass(frozen=True)
class AlternativeTitle:
    """Another name a theme is or was known by, e.g. a 2019 working name."""

    title: str
    note: str
    verification: str
    source: str | None = None


@dataclass(frozen=True)
class Measure:
    """Something a bid can be scored on or a contract can report against."""

    code: str
    title: str
    description: str
    kind: str
    unit: str | None
    counting_rule: str | None
    proxy_value: ProxyValue | None
    scale: MeasureScale | None
    evidence_expected: str | None
    verification: str
    verification_note: str | None
    theme_code: str
    outcome_code: str
    source: str | None = None


@dataclass(frozen=True)
class Outcome:
    """An outcome within a theme; groups measures."""

    code: str
    title: str
    description: str
    verification: str
    measures: tuple[Measure, ...]
    theme_code: str
    verification_note: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Theme:
    """A theme, priority, objective or characteristic of a framework."""

    code: str
    title: str
    description: str
    verification: str
    sources: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    suggested_actions: tuple[SourcedText, ...] = ()
    context: tuple[SourcedText, ...] = ()
    alternative_titles: tuple[AlternativeTitle, ...] = ()
    verification_note: str | None = None

    def measures(self) -> Iterator[Measure]:
        for outcome in self.outcomes:
            yield from outcome.measures


@dataclass(frozen=True)
class FrameworkVersion:
    """One version of a framework, as loaded and validated from its YAML file."""

    id: str
    title: str
    version: str
    status: str
    issuer: str
    approved_on: date | None
    approved_on_verification: str
    effective_from: date | None
    effective_to: date | None
    supersedes: str | None
    superseded_by: str | None
    source_urls: tuple[str, ...]
    licence: str
    summary: str
    notes: tuple[SourcedText, ...]
    recommended_gates: tuple[str, ...]
    themes: tuple[Theme, ...]
    content_hash: str
    # "<frameworks dir name>/<id>/<version>.yaml", e.g. "frameworks/good-employment-charter/
    # 2019.yaml": the same on every machine (Problem.file gives the path as found instead).
    source_path: str
    # The canonical loaded mapping (JSON types only: dates as ISO text, decimals as text).
    document: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def key(self) -> str:
        """``"id@version"``, the reference other files and the lock use."""
        return f"{self.id}@{self.version}"

    def measures(self) -> Iterator[Measure]:
        """Every measure, in file order."""
        for theme in self.themes:
            yield from theme.measures()

    def measure(self, code: str) -> Measure:
        """The measure with this code; KeyError if there is none."""
        for measure in self.measures():
            if measure.code == code:
                return measure
        raise KeyError(f"{self.key} has no measure {code!r}")

    def outcomes(self) -> Iterator[Outcome]:
        for theme in self.themes:
            yield from theme.outcomes

    def theme(self, code: str) -> Theme:
        for theme in self.themes:
            if theme.code == code:
                return theme
        raise KeyError(f"{self.key} has no theme {code!r}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a framework file (or the lock file)."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        if self.path:
            return f"{self.file}: {self.path}: {self.reason}"
        return f"{self.file}: {self.reason}"


class FrameworkValidationError(Exception):
    """Raised with every problem found, never just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in framework files"
        super().__init__("\n".join([heading + ":", *(f"  {p}" for p in self.problems)]))


@dataclass(frozen=True)
class FrameworkLibrary:
    """All valid framework versions of a frameworks directory, sorted by id then date."""

    versions: tuple[FrameworkVersion, ...]

    def __iter__(self) -> Iterator[FrameworkVersion]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    def ids(self) -> list[str]:
        """Framework ids, sorted, each once."""
        return sorted({v.id for v in self.versions})

    def versions_of(self, framework_id: str) -> tuple[FrameworkVersion, ...]:
        return tuple(v for v in self.versions if v.id == framework_id)

    def get(self, framework_id: str, version: str | None = None) -> FrameworkVersion | None:
        """A given version or, with version None, the latest published one; None if there is none.

        "Latest" is the published version with the latest effective_from (then the highest
        version, compared naturally: 10 after 9). Drafts and retired versions are only
        returned when asked for by version.
        """
        candidates = self.versions_of(framework_id)
        if version is not None:
            return next((v for v in candidates if v.version == version), None)
        published = [v for v in candidates if v.status == "published"]
        return max(published, key=_latest_key) if published else None

    def resolve(self, ref: str) -> FrameworkVersion:
        """The version named by ``"id@version"`` (or ``"id"`` for the latest published one).

        Raises KeyError naming what is missing, ValueError for a malformed reference.
        """
        if "@" in ref:
            framework_id, version = parse_ref(ref)
        else:
            framework_id, version = ref, None
        found = self.get(framework_id, version)
        if found is not None:
            return found
        if not self.versions_of(framework_id):
            raise KeyError(f"unknown framework {framework_id!r}")
        if version is not None:
            raise KeyError(f"unknown framework version {framework_id}@{version}")
        raise KeyError(f"framework {framework_id!r} has no published version")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class MeasureChange:
    code: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ThemeChange:
    code: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class OutcomeChange:
    code: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class FrameworkDiff:
    """What changed between two framework versions, matched by code."""

    old_key: str
    new_key: str
    added: tuple[Measure, ...]
    removed: tuple[Measure, ...]
    changed: tuple[MeasureChange, ...]
    themes_added: tuple[Theme, ...] = ()
    themes_removed: tuple[Theme, ...] = ()
    themes_changed: tuple[ThemeChange, ...] = ()
    outcomes_added: tuple[Outcome, ...] = ()
    outcomes_removed: tuple[Outcome, ...] = ()
    outcomes_changed: tuple[OutcomeChange, ...] = ()

    @property
    def themes_retitled(self) -> tuple[ThemeChange, ...]:
        return tuple(c for c in self.themes_changed if any(f.field == "title" for f in c.fields))

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.themes_added
            or self.themes_removed
            or self.themes_changed
            or self.outcomes_added
            or self.outcomes_removed
            or self.outcomes_changed
        )


# ---------------------------------------------------------------------------------------------
# Small public helpers
# ---------------------------------------------------------------------------------------------


def parse_ref(ref: str) -> tuple[str, str]:
    """Split ``"id@version"``; ValueError if it is not exactly that shape."""
    if not isinstance(ref, str) or ref.count("@") != 1:
        raise ValueError(f"not a framework reference (expected id@version): {ref!r}")
    framework_id, version = ref.split("@")
    if not _ID_RE.fullmatch(framework_id) or not _VERSION_RE.fullmatch(version):
        raise ValueError(f"not a framework reference (expected id@version): {ref!r}")
    return framework_id, version


def lock_path(frameworks_dir: str | os.PathLike[str]) -> Path:
    return Path(frameworks_dir) / LOCK_FILE_NAME


def content_hash(document: Mapping[str, Any]) -> str:
    """``"sha256:<hex>"`` of the canonical JSON of a framework document.

    Keys are sorted, dates are ISO text and decimals are text, so YAML layout, key order and
    comments do not matter; any change of content does. The lifecycle fields
    (:data:`LIFECYCLE_FIELDS`) are left out so that retiring a published version does not
    count as editing it.
    """
    content = {k: v for k, v in document.items() if k not in LIFECYCLE_FIELDS}
    text = json.dumps(
        _canonical(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def jsonable_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of a framework document (dates as ISO text, decimals as text).

    ``FrameworkVersion.document`` is already in this form; this is for storing it (e.g. in a
    database JSON column) without depending on that.
    """
    copy: dict[str, Any] = _canonical(document)
    return copy


def framework_from_document(
    document: Mapping[str, Any], source_path: str | None = None
) -> FrameworkVersion:
    """Rebuild and validate a FrameworkVersion from a stored document (e.g. from the database).

    With ``source_path`` (the version's original ``source_path``,
    "frameworks/<id>/<version>.yaml") the id and version are checked against it as for a file;
    without it that check is skipped and ``source_path`` is ``"<document>"``. Lock and
    cross-file checks do not apply. Raises FrameworkValidationError listing every problem.
    """
    shown = source_path if source_path is not None else "<document>"
    parsed = _Parsed(path=Path(shown), display=shown, check=_FileCheck(shown, None))
    raw = parsed.check.mapping(dict(document) if isinstance(document, Mapping) else document, ())
    if raw is not None:
        try:
            parsed.document = _canonical(raw)
            parsed.hash = content_hash(raw)
        except (TypeError, RecursionError) as exc:
            parsed.check.add((), f"holds a value that has no JSON form: {exc}")
        else:
            _read_framework(parsed, raw, check_path=source_path is not None)
    if parsed.framework is None or parsed.check.problems:
        raise FrameworkValidationError(parsed.check.problems)
    return parsed.framework


def _canonical(value: object) -> Any:
    """JSON-compatible copy: str keys, dates as ISO text, decimals and floats as text."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot canonicalise {type(value).__name__} in a framework document")


# ---------------------------------------------------------------------------------------------
# YAML loading
# ---------------------------------------------------------------------------------------------

_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps dates as text (we parse them) and reads floats as Decimal."""


class _FastLoader(yaml.CSafeLoader):
    """The same, on libyaml when PyYAML was built with it (several times faster)."""


def _construct_decimal(loader: yaml.SafeLoader | yaml.CSafeLoader, node: Node) -> Decimal | str:
    raw = loader.construct_scalar(node) if isinstance(node, ScalarNode) else ""
    text = str(raw).replace("_", "")
    special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
    try:
        return Decimal(special.get(text.lower(), text))
    except InvalidOperation:
        return text


def _construct_text(loader: yaml.SafeLoader | yaml.CSafeLoader, node: Node) -> str:
    return str(loader.construct_scalar(node)) if isinstance(node, ScalarNode) else ""


for _loader_class in (_Loader, _FastLoader):
    _loader_class.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader_class.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
    _loader_class.add_constructor(_TIMESTAMP_TAG, _construct_text)


def _make_loader(text: str) -> _Loader | _FastLoader:
    return _FastLoader(text) if yaml.__with_libyaml__ else _Loader(text)


def _duplicate_keys(root: Node) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, reason) for every key repeated within one YAML mapping (YAML keeps the last)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[int] = set()

    def walk(node: Node, parts: tuple[str | int, ...]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    key = str(key_node.value)
                    line = key_node.start_mark.line + 1
                    if key in first_line:
                        found.append(
                            (
                                (*parts, key),
                                f"duplicate key {key!r} (line {line}; first given at line "
                                f"{first_line[key]})",
                            )
                        )
                    else:
                        first_line[key] = line
                    walk(value_node, (*parts, key))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*parts, index))

    walk(root, ())
    return found


# ---------------------------------------------------------------------------------------------
# Validation of one file
# ---------------------------------------------------------------------------------------------

_PathParts = tuple[str | int, ...]


def _format_path(parts: _PathParts) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int):
        return f"a whole number ({value})"
    if isinstance(value, Decimal):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _FileCheck:
    """Collects problems for one file, adding YAML line numbers where it can."""

    def __init__(self, file: str, root: Node | None) -> None:
        self.file = file
        self.root = root
        self.problems: list[Problem] = []

    def _line(self, parts: _PathParts) -> int | None:
        for cut in range(len(parts), 0, -1):  # the root's line (cut 0) says nothing
            node = self._node_at(parts[:cut])
            if node is not None:
                return int(node.start_mark.line) + 1
        return None

    def _node_at(self, parts: _PathParts) -> Node | None:
        node = self.root
        for part in parts:
            if node is None:
                return None
            if isinstance(part, int):
                if isinstance(node, SequenceNode) and 0 <= part < len(node.value):
                    node = node.value[part]
                else:
                    return None
            else:
                if not isinstance(node, MappingNode):
                    return None
                found: Node | None = None
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == part:
                        found = value_node
                node = found
        return node

    def add(self, parts: _PathParts, reason: str, *, line: bool = True) -> None:
        number = self._line(parts) if line and self.root is not None else None
        if number is not None:
            reason = f"{reason} (line {number})"
        self.problems.append(Problem(self.file, _format_path(parts), reason))

    # -- field readers: each returns the typed value, or None after recording a problem --

    def mapping(self, value: object, parts: _PathParts) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(parts, f"must be a mapping of fields, not {_describe(value)}")
            return None
        return value

    def known_fields(
        self, obj: dict[str, Any], parts: _PathParts, allowed: Sequence[str], what: str
    ) -> None:
        for key in obj:
            if not isinstance(key, str):
                self.add((*parts, str(key)), f"field names must be text, not {_describe(key)}")
            elif key not in allowed and not key.startswith("x-"):
                self.add(
                    (*parts, key),
                    f"unknown field {key!r} for {what} (allowed: {', '.join(allowed)}; "
                    "extension fields must start with 'x-')",
                )

    def present(self, obj: dict[str, Any], key: str, parts: _PathParts) -> bool:
        if key not in obj:
            self.add((*parts, key), f"missing required field {key!r}")
            return False
        return True

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        parts: _PathParts,
        *,
        required: bool = True,
        nullable: bool = False,
        max_length: int | None = None,
    ) -> str | None:
        if key not in obj:
            if required:
                self.add((*parts, key), f"missing required field {key!r}")
            return None
        value = obj[key]
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.add((*parts, key), f"must be text, not {_describe(value)}")
            return None
        if not value.strip():
            self.add((*parts, key), "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.add((*parts, key), f"is {len(value)} characters long; the limit is {max_length}")
            return None
        return value

    def choice(
        self, obj: dict[str, Any], key: str, parts: _PathParts, allowed: Sequence[str], what: str
    ) -> str | None:
        value = self.text(obj, key, parts)
        if value is None:
            return None
        if value not in allowed:
            self.add(
                (*parts, key), f"unknown {what} {value!r} (expected one of: {', '.join(allowed)})"
            )
            return None
        return value

    def integer(self, obj: dict[str, Any], key: str, parts: _PathParts) -> int | None:
        if not self.present(obj, key, parts):
            return None
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add((*parts, key), f"must be a whole number, not {_describe(value)}")
            return None
        return value

    def day(
        self, obj: dict[str, Any], key: str, parts: _PathParts, *, required: bool = True
    ) -> tuple[bool, date | None]:
        """(ok, value). A null is ok and gives None; the caller decides whether null is allowed."""
        if key not in obj:
            if required:
                self.add((*parts, key), f"missing required field {key!r}")
                return False, None
            return True, None
        value = obj[key]
        if value is None:
            return True, None
        if isinstance(value, date) and not isinstance(value, datetime):
            return True, value
        if isinstance(value, str):
            try:
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                    return True, date.fromisoformat(value.strip())
            except ValueError:
                pass
            self.add((*parts, key), f"is not a valid date: {value!r} (write YYYY-MM-DD)")
            return False, None
        self.add((*parts, key), f"must be a date (YYYY-MM-DD) or null, not {_describe(value)}")
        return False, None

    def text_list(
        self, obj: dict[str, Any], key: str, parts: _PathParts, *, required: bool = True
    ) -> tuple[str, ...]:
        if key not in obj:
            if required:
                self.add((*parts, key), f"missing required field {key!r}")
            return ()
        value = obj[key]
        if value is None and not required:
            return ()
        if not isinstance(value, list):
            self.add((*parts, key), f"must be a list, not {_describe(value)}")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.add((*parts, key, index), f"must be non-empty text, not {_describe(item)}")
            else:
                items.append(item)
        return tuple(items)

    def item_list(
        self, obj: dict[str, Any], key: str, parts: _PathParts, *, required: bool
    ) -> list[tuple[int, dict[str, Any]]]:
        """(index, mapping) for each well-formed item of a list of mappings."""
        if key not in obj:
            if required:
                self.add((*parts, key), f"missing required field {key!r}")
            return []
        value = obj[key]
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.add((*parts, key), f"must be a list, not {_describe(value)}")
            return []
        items: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(value):
            mapping = self.mapping(item, (*parts, key, index))
            if mapping is not None:
                items.append((index, mapping))
        return items

    def ref(self, obj: dict[str, Any], key: str, parts: _PathParts) -> str | None:
        if not self.present(obj, key, parts):
            return None
        value = obj[key]
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(
                (*parts, key),
                f"must be a reference like 'id@version' or null, not {_describe(value)}",
            )
            return None
        try:
            parse_ref(value)
        except ValueError:
            self.add((*parts, key), f"{value!r} is not a reference like 'id@version'")
            return None
        return value

    def code(self, obj: dict[str, Any], key: str, parts: _PathParts, max_length: int) -> str | None:
        value = self.text(obj, key, parts, max_length=max_length)
        if value is not None and not _CODE_RE.fullmatch(value):
            self.add(
                (*parts, key),
                f"code {value!r} may only use letters, digits, '.', '_' and '-' "
                "and must start with a letter or digit",
            )
            return None
        return value

    def sourced_texts(
        self, obj: dict[str, Any], key: str, parts: _PathParts
    ) -> tuple[SourcedText, ...]:
        items: list[SourcedText] = []
        for index, item in self.item_list(obj, key, parts, required=False):
            here = (*parts, key, index)
            self.known_fields(item, here, ("text", "verification", "source"), "this entry")
            text = self.text(item, "text", here)
            label = self.choice(
                item, "verification", here, VERIFICATION_LABELS, "verification label"
            )
            source = self.text(item, "source", here, required=False, nullable=True)
            self.need_source(label, source is not None, here, "source")
            items.append(SourcedText(text or "", label or "", source))
        return tuple(items)

    def need_source(self, label: str | None, has_source: bool, parts: _PathParts, key: str) -> None:
        if label in ("verified", "secondary") and not has_source:
            self.add(
                (*parts, key),
                f"a {label} item must cite its source (field {key!r}); "
                "if there is no source, label it unverified or local",
            )


_TOP_FIELDS: Final = (
    "schema_version",
    "id",
    "title",
    "version",
    "status",
    "issuer",
    "approved_on",
    "approved_on_verification",
    "effective_from",
    "effective_to",
    "supersedes",
    "superseded_by",
    "source_urls",
    "licence",
    "summary",
    "notes",
    "recommended_gates",
    "themes",
)
_THEME_FIELDS: Final = (
    "code",
    "title",
    "description",
    "verification",
    "verification_note",
    "sources",
    "alternative_titles",
    "suggested_actions",
    "context",
    "outcomes",
)
_OUTCOME_FIELDS: Final = (
    "code",
    "title",
    "description",
    "verification",
    "verification_note",
    "source",
    "measures",
)
_KIND_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "quantitative": ("unit", "counting_rule", "proxy_value"),
    "qualitative": ("scale",),
    "pass_fail": ("evidence_expected",),
}
_MEASURE_FIELDS: Final = (
    "code",
    "title",
    "description",
    "kind",
    "verification",
    "verification_note",
    "source",
    "unit",
    "counting_rule",
    "proxy_value",
    "scale",
    "evidence_expected",
)


@dataclass
class _Parsed:
    """Everything learned about one file, valid or not (for cross-file checks)."""

    path: Path
    display: str
    check: _FileCheck
    document: dict[str, Any] | None = None
    framework: FrameworkVersion | None = None
    declared_id: str | None = None
    declared_version: str | None = None
    status: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    hash: str | None = None

    @property
    def declared_key(self) -> str | None:
        if self.declared_id is None or self.declared_version is None:
            return None
        return f"{self.declared_id}@{self.declared_version}"

    @property
    def path_key(self) -> str:
        return f"{self.path.parent.name}@{self.path.stem}"


def _display(path: Path) -> str:
    return path.as_posix()


def _parse_file(path: Path, display: str | None = None) -> _Parsed:
    shown = display if display is not None else _display(path)
    parsed = _Parsed(path=path, display=shown, check=_FileCheck(shown, None))
    check = parsed.check
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        check.add((), "is not UTF-8 text")
        return parsed
    except OSError as exc:
        check.add((), f"cannot be read: {exc.strerror or exc}")
        return parsed

    loader = _make_loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            check.root = root
            for parts, reason in _duplicate_keys(root):
                check.add(parts, reason, line=False)
            data: object = loader.construct_document(root)
        else:
            data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        detail = "; ".join(str(p) for p in (exc.context, exc.problem) if p)
        check.root = None
        check.problems.append(Problem(shown, where, f"malformed YAML: {detail or exc}"))
        return parsed
    except yaml.YAMLError as exc:
        check.problems.append(Problem(shown, "", f"malformed YAML: {exc}"))
        return parsed
    finally:
        loader.dispose()

    if data is None:
        check.add((), "is empty: a framework file must be a mapping of fields")
        return parsed
    document = check.mapping(data, ())
    if document is None:
        return parsed
    try:
        parsed.document = _canonical(document)
        parsed.hash = content_hash(document)
    except TypeError as exc:
        check.add((), f"holds a value that has no JSON form: {exc}")
        return parsed
    except RecursionError:
        check.add((), "refers to itself through YAML anchors and aliases")
        return parsed
    _read_framework(parsed, document)
    return parsed


def _read_framework(parsed: _Parsed, doc: dict[str, Any], *, check_path: bool = True) -> None:
    check = parsed.check
    top: _PathParts = ()
    check.known_fields(doc, top, _TOP_FIELDS, "a framework file")

    if check.present(doc, "schema_version", top):
        schema_version = doc["schema_version"]
        if schema_version != SCHEMA_VERSION or isinstance(schema_version, bool):
            check.add(
                ("schema_version",),
                f"must be {SCHEMA_VERSION} (this socialvalue release reads schema_version "
                f"{SCHEMA_VERSION}), not {_describe(schema_version)}",
            )

    framework_id = check.text(doc, "id", top, max_length=_MAX_ID)
    if framework_id is not None and not _ID_RE.fullmatch(framework_id):
        check.add(("id",), f"{framework_id!r} must be lower-case letters and digits joined by '-'")
        framework_id = None
    version = doc.get("version")
    if "version" not in doc:
        check.add(("version",), "missing required field 'version'")
        version = None
    elif not isinstance(version, str):
        check.add(
            ("version",),
            f'must be text, not {_describe(version)}: quote it, e.g. version: "{version}"',
        )
        version = None
    elif len(version) > _MAX_VERSION or not _VERSION_RE.fullmatch(version):
        check.add(
            ("version",),
            f"{version!r} must be at most {_MAX_VERSION} letters, digits, '.', '_' or '-'",
        )
        version = None
    parsed.declared_id, parsed.declared_version = framework_id, version

    title = check.text(doc, "title", top, max_length=_MAX_TITLE)
    status = check.choice(doc, "status", top, STATUSES, "status")
    parsed.status = status
    issuer = check.text(doc, "issuer", top, max_length=_MAX_TITLE)
    approved_ok, approved_on = check.day(doc, "approved_on", top)
    approved_label = check.choice(
        doc, "approved_on_verification", top, VERIFICATION_LABELS, "verification label"
    )
    from_ok, effective_from = check.day(doc, "effective_from", top)
    to_ok, effective_to = check.day(doc, "effective_to", top, required=False)
    if from_ok and effective_from is None and "effective_from" in doc and status != "draft":
        check.add(("effective_from",), "only a draft may leave effective_from empty (null)")
    if effective_from and effective_to and effective_to < effective_from:
        check.add(
            ("effective_to",),
            f"effective_to {effective_to.isoformat()} is before effective_from "
            f"{effective_from.isoformat()}",
        )
    supersedes = check.ref(doc, "supersedes", top)
    superseded_by = check.ref(doc, "superseded_by", top)
    parsed.supersedes, parsed.superseded_by = supersedes, superseded_by
    own_key = f"{framework_id}@{version}"
    for key, ref in (("supersedes", supersedes), ("superseded_by", superseded_by)):
        if ref is not None and ref == own_key:
            check.add((key,), f"a version cannot refer to itself ({ref})")
    source_urls = check.text_list(doc, "source_urls", top)
    licence = check.text(doc, "licence", top)
    summary = check.text(doc, "summary", top)
    notes = check.sourced_texts(doc, "notes", top)

    themes = _read_themes(check, doc)
    measures = {m.code: m for t in themes for m in t.measures()}

    gates = check.text_list(doc, "recommended_gates", top, required=False)
    for index, code in enumerate(gates):
        gate = measures.get(code)
        if gate is None:
            check.add(
                ("recommended_gates", index),
                f"refers to measure {code!r}, which is not defined in this file",
            )
        elif gate.kind in KINDS and gate.kind != "pass_fail":
            check.add(
                ("recommended_gates", index),
                f"measure {code!r} is {gate.kind}; only pass_fail measures can be gates",
            )

    # Where the file lives must match what it says it is.
    if check_path and framework_id is not None and version is not None:
        path = parsed.path
        if path.parent.name != framework_id or path.stem != version or path.suffix != ".yaml":
            check.add(
                (),
                f"declares {framework_id}@{version}, so it must be saved as "
                f"{framework_id}/{version}.yaml in the frameworks directory, not as "
                f"{path.parent.name}/{path.name}",
                line=False,
            )

    if check.problems:
        return
    if parsed.hash is None or parsed.document is None:  # pragma: no cover - set above
        raise RuntimeError("document read without a hash")
    parsed.framework = FrameworkVersion(
        id=framework_id or "",
        title=title or "",
        version=version or "",
        status=status or "",
        issuer=issuer or "",
        approved_on=approved_on if approved_ok else None,
        approved_on_verification=approved_label or "",
        effective_from=effective_from,
        effective_to=effective_to if to_ok else None,
        supersedes=supersedes,
        superseded_by=superseded_by,
        source_urls=source_urls,
        licence=licence or "",
        summary=summary or "",
        notes=notes,
        recommended_gates=gates,
        themes=themes,
        content_hash=parsed.hash,
        source_path="/".join(parsed.path.parts[-3:]) if check_path else parsed.display,
        document=parsed.document,
    )


def _read_themes(check: _FileCheck, doc: dict[str, Any]) -> tuple[Theme, ...]:
    themes: list[Theme] = []
    theme_codes: dict[str, str] = {}
    outcome_codes: dict[str, str] = {}
    measure_codes: dict[str, str] = {}
    for t_index, raw in check.item_list(doc, "themes", (), required=True):
        here: _PathParts = ("themes", t_index)
        check.known_fields(raw, here, _THEME_FIELDS, "a theme")
        code = check.code(raw, "code", here, _MAX_THEME_CODE)
        _unique(check, code, theme_codes, here, "theme")
        title = check.text(raw, "title", here, max_length=_MAX_TITLE)
        description = check.text(raw, "description", here)
        label = check.choice(raw, "verification", here, VERIFICATION_LABELS, "verification label")
        note = check.text(raw, "verification_note", here, required=False, nullable=True)
        sources = check.text_list(raw, "sources", here)
        check.need_source(label, bool(sources), here, "sources")
        alternatives = _read_alternative_titles(check, raw, here)
        suggested_actions = check.sourced_texts(raw, "suggested_actions", here)
        context = check.sourced_texts(raw, "context", here)
        outcomes = [
            _read_outcome(
                check,
                raw_outcome,
                (*here, "outcomes", o_index),
                code or "",
                outcome_codes,
                measure_codes,
            )
            for o_index, raw_outcome in check.item_list(raw, "outcomes", here, required=False)
        ]
        themes.append(
            Theme(
                code=code or "",
                title=title or "",
                description=description or "",
                verification=label or "",
                sources=sources,
                outcomes=tuple(outcomes),
                suggested_actions=suggested_actions,
                context=context,
                alternative_titles=alternatives,
                verification_note=note,
            )
        )
    return tuple(themes)


def _read_alternative_titles(
    check: _FileCheck, raw: dict[str, Any], here: _PathParts
) -> tuple[AlternativeTitle, ...]:
    alternatives: list[AlternativeTitle] = []
    for index, alt in check.item_list(raw, "alternative_titles", here, required=False):
        a_here = (*here, "alternative_titles", index)
        check.known_fields(alt, a_here, ("title", "note", "verification", "source"), "this entry")
        title = check.text(alt, "title", a_here, max_length=_MAX_TITLE)
        note = check.text(alt, "note", a_here)
        label = check.choice(alt, "verification", a_here, VERIFICATION_LABELS, "verification label")
        source = check.text(alt, "source", a_here, required=False, nullable=True)
        check.need_source(label, source is not None, a_here, "source")
        alternatives.append(
            AlternativeTitle(
                title=title or "", note=note or "", verification=label or "", source=source
            )
        )
    return tuple(alternatives)


def _unique(
    check: _FileCheck, code: str | None, seen: dict[str, str], here: _PathParts, what: str
) -> None:
    if code is None:
        return
    where = _format_path(here)
    if code in seen:
        check.add((*here, "code"), f"duplicate {what} code {code!r} (already used at {seen[code]})")
    else:
        seen[code] = where


def _read_outcome(
    check: _FileCheck,
    raw: dict[str, Any],
    here: _PathParts,
    theme_code: str,
    outcome_codes: dict[str, str],
    measure_codes: dict[str, str],
) -> Outcome:
    check.known_fields(raw, here, _OUTCOME_FIELDS, "an outcome")
    code = check.code(raw, "code", here, _MAX_THEME_CODE)
    _unique(check, code, outcome_codes, here, "outcome")
    title = check.text(raw, "title", here, max_length=_MAX_TITLE)
    description = check.text(raw, "description", here)
    label = check.choice(raw, "verification", here, VERIFICATION_LABELS, "verification label")
    note = check.text(raw, "verification_note", here, required=False, nullable=True)
    source = check.text(raw, "source", here, required=False, nullable=True)
    check.need_source(label, source is not None, here, "source")
    measures = [
        _read_measure(
            check, item, (*here, "measures", m_index), theme_code, code or "", measure_codes
        )
        for m_index, item in check.item_list(raw, "measures", here, required=False)
    ]
    return Outcome(
        code=code or "",
        title=title or "",
        description=description or "",
        verification=label or "",
        measures=tuple(measures),
        theme_code=theme_code,
        verification_note=note,
        source=source,
    )


_KIND_NEEDS: Final[dict[str, str]] = {
    "quantitative": "quantitative measures need a unit and a counting_rule",
    "qualitative": "qualitative measures need a scale",
    "pass_fail": "pass_fail measures need evidence_expected",
}


def _read_measure(
    check: _FileCheck,
    raw: dict[str, Any],
    here: _PathParts,
    theme_code: str,
    outcome_code: str,
    measure_codes: dict[str, str],
) -> Measure:
    check.known_fields(raw, here, _MEASURE_FIELDS, "a measure")
    code = check.code(raw, "code", here, _MAX_MEASURE_CODE)
    _unique(check, code, measure_codes, here, "measure")
    title = check.text(raw, "title", here, max_length=_MAX_TITLE)
    description = check.text(raw, "description", here)
    kind = check.choice(raw, "kind", here, KINDS, "kind")

    unit = counting_rule = evidence = None
    proxy: ProxyValue | None = None
    scale: MeasureScale | None = None
    if kind is not None:
        for other_kind, fields in _KIND_FIELDS.items():
            if other_kind == kind:
                continue
            for name in fields:
                if name in raw:
                    check.add(
                        (*here, name),
                        f"field {name!r} applies only to {other_kind} measures; "
                        f"this measure is {kind}",
                    )
        for name in _KIND_FIELDS[kind]:
            if name not in raw and name != "proxy_value":
                check.add((*here, name), f"missing required field {name!r}: {_KIND_NEEDS[kind]}")
    if kind == "quantitative":
        unit = check.text(raw, "unit", here, required=False, max_length=_MAX_UNIT)
        counting_rule = check.text(raw, "counting_rule", here, required=False)
        if raw.get("proxy_value") is not None:
            proxy = _read_proxy(check, raw["proxy_value"], (*here, "proxy_value"))
    elif kind == "qualitative":
        if "scale" in raw:
            scale = _read_scale(check, raw["scale"], (*here, "scale"))
    elif kind == "pass_fail":
        evidence = check.text(raw, "evidence_expected", here, required=False)

    label = check.choice(raw, "verification", here, VERIFICATION_LABELS, "verification label")
    note = check.text(raw, "verification_note", here, required=False, nullable=True)
    source = check.text(raw, "source", here, required=False, nullable=True)
    check.need_source(label, source is not None, here, "source")
    return Measure(
        code=code or "",
        title=title or "",
        description=description or "",
        kind=kind or "",
        unit=unit,
        counting_rule=counting_rule,
        proxy_value=proxy,
        scale=scale,
        evidence_expected=evidence,
        verification=label or "",
        verification_note=note,
        theme_code=theme_code,
        outcome_code=outcome_code,
        source=source,
    )


def _read_proxy(check: _FileCheck, value: object, here: _PathParts) -> ProxyValue | None:
    raw = check.mapping(value, here)
    if raw is None:
        return None
    check.known_fields(raw, here, ("amount_gbp", "source", "year"), "a proxy value")
    amount: Decimal | None = None
    if check.present(raw, "amount_gbp", here):
        number = raw["amount_gbp"]
        if isinstance(number, str):  # the canonical (stored) form keeps decimals as text
            with contextlib.suppress(InvalidOperation):
                number = Decimal(number.strip())
        if isinstance(number, bool) or not isinstance(number, int | Decimal):
            check.add((*here, "amount_gbp"), f"must be a number, not {_describe(number)}")
        elif not Decimal(number).is_finite():
            check.add((*here, "amount_gbp"), f"must be a finite number, not {number}")
        elif number < 0:
            check.add((*here, "amount_gbp"), f"must not be negative (got {number})")
        else:
            amount = Decimal(number)
    source = check.text(raw, "source", here)
    year = check.integer(raw, "year", here)
    if year is not None and not 1900 <= year <= 2200:
        check.add((*here, "year"), f"{year} is not a plausible price year")
    if amount is None or source is None or year is None:
        return None
    return ProxyValue(amount_gbp=amount, source=source, year=year)


def _read_scale(check: _FileCheck, value: object, here: _PathParts) -> MeasureScale | None:
    raw = check.mapping(value, here)
    if raw is None:
        return None
    check.known_fields(
        raw,
        here,
        ("minimum", "maximum", "descriptors", "verification", "source", "note"),
        "a scale",
    )
    minimum = check.integer(raw, "minimum", here)
    maximum = check.integer(raw, "maximum", here)
    if minimum is not None and maximum is not None and minimum >= maximum:
        check.add(
            (*here, "maximum"),
            f"maximum ({maximum}) must be greater than minimum ({minimum})",
        )
    label: str | None = None
    if "verification" in raw:
        label = check.choice(raw, "verification", here, VERIFICATION_LABELS, "verification label")
    source = check.text(raw, "source", here, required=False, nullable=True)
    check.need_source(label, source is not None, here, "source")
    descriptors: list[ScaleDescriptor] = []
    seen: set[int] = set()
    for index, item in check.item_list(raw, "descriptors", here, required=True):
        d_here = (*here, "descriptors", index)
        check.known_fields(item, d_here, ("value", "label", "description"), "a scale descriptor")
        point = check.integer(item, "value", d_here)
        if point is not None:
            if minimum is not None and maximum is not None and not minimum <= point <= maximum:
                check.add((*d_here, "value"), f"{point} is outside the scale {minimum}–{maximum}")
            if point in seen:
                check.add((*d_here, "value"), f"score {point} is described twice")
            seen.add(point)
        descriptors.append(
            ScaleDescriptor(
                value=point if point is not None else 0,
                label=check.text(item, "label", d_here) or "",
                description=check.text(item, "description", d_here) or "",
            )
        )
    if minimum is None or maximum is None:
        return None
    return MeasureScale(
        minimum=minimum,
        maximum=maximum,
        descriptors=tuple(descriptors),
        verification=label,
        source=source,
        note=check.text(raw, "note", here, required=False, nullable=True),
    )


# ---------------------------------------------------------------------------------------------
# Public loading and validation
# ---------------------------------------------------------------------------------------------


def load_framework_file(path: str | os.PathLike[str]) -> FrameworkVersion:
    """Load and validate one file on its own (no lock or cross-file checks).

    Raises FrameworkValidationError listing every problem in the file.
    """
    parsed = _parse_file(Path(path))
    if parsed.framework is None or parsed.check.problems:
        raise FrameworkValidationError(parsed.check.problems)
    return parsed.framework


def validate_library(
    frameworks_dir: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]] | None = None,
) -> list[Problem]:
    """Every problem in a frameworks directory, across all files and the lock, at once.

    With ``paths``, only problems in those files are reported (the rest of the directory is
    still read, so references to other versions and the lock are checked properly). Files
    named in ``paths`` that lie outside the directory are checked as if they were in it.
    """
    return _check_library(Path(frameworks_dir), paths)[0]


def load_library(frameworks_dir: str | os.PathLike[str]) -> FrameworkLibrary:
    """Every version in the directory, or FrameworkValidationError listing every problem.

    Nothing is partially loaded: one bad file means no library.
    """
    problems, parsed = _check_library(Path(frameworks_dir), None)
    if problems:
        raise FrameworkValidationError(problems)
    versions = [p.framework for p in parsed if p.framework is not None]
    return FrameworkLibrary(tuple(sorted(versions, key=_sort_key)))


def update_lock(frameworks_dir: str | os.PathLike[str]) -> list[str]:
    """Lock every published or retired version not yet in the lock file.

    Never changes or removes an existing entry. Returns the keys added (sorted). Raises
    FrameworkValidationError, writing nothing, if the library has any problem other than
    versions missing from the lock.
    """
    directory = Path(frameworks_dir)
    problems, parsed = _check_library(directory, None, report_unlocked=False)
    if problems:
        raise FrameworkValidationError(problems)
    lock, lock_problems = _read_lock(directory)
    if lock is None:  # pragma: no cover - an unreadable lock is a problem, raised above
        raise FrameworkValidationError(lock_problems)
    added: dict[str, str] = {}
    for item in parsed:
        framework = item.framework
        if (
            framework is not None
            and framework.status in LOCKED_STATUSES
            and framework.key not in lock
        ):
            added[framework.key] = framework.content_hash
    if added or not lock_path(directory).exists():
        entries = {**lock, **added}
        document = {"format": LOCK_FORMAT, "published": dict(sorted(entries.items()))}
        _write_atomically(lock_path(directory), json.dumps(document, indent=2) + "\n")
    return sorted(added)


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".lock-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# Library-wide checks
# ---------------------------------------------------------------------------------------------


def _discover(directory: Path) -> list[Path]:
    found: list[Path] = []
    for pattern in ("*.yaml", "*.yml"):
        for path in directory.rglob(pattern):
            relative = path.relative_to(directory)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            found.append(path)
    return sorted(found)


def _check_library(
    directory: Path,
    paths: Iterable[str | os.PathLike[str]] | None,
    *,
    report_unlocked: bool = True,
) -> tuple[list[Problem], list[_Parsed]]:
    shown_dir = _display(directory)
    if not directory.is_dir():
        return [Problem(shown_dir, "", "frameworks directory not found")], []

    files = _discover(directory)
    selected: set[Path] | None = None
    if paths is not None:
        selected = {Path(p).resolve() for p in paths}
        known = {f.resolve() for f in files}
        files.extend(Path(p) for p in paths if Path(p).resolve() not in known)

    parsed = [_parse_file(path) for path in files]

    for item in parsed:
        try:
            relative = item.path.resolve().relative_to(directory.resolve())
        except ValueError:
            continue
        if len(relative.parts) != 2:
            item.check.add(
                (),
                f"framework files live at {shown_dir}/<framework-id>/<version>.yaml; "
                f"move {relative.as_posix()} there",
                line=False,
            )

    by_key: dict[str, list[_Parsed]] = {}
    for item in parsed:
        if item.declared_key is not None:
            by_key.setdefault(item.declared_key, []).append(item)
    for key, items in by_key.items():
        if len(items) > 1:
            for item in items:
                others = ", ".join(o.display for o in items if o is not item)
                item.check.add(("version",), f"duplicate framework version {key}: also in {others}")

    for item in parsed:
        for name in ("supersedes", "superseded_by"):
            ref = getattr(item, name)
            if ref is not None and ref not in by_key:
                item.check.add(
                    (name,),
                    f"refers to {ref}, which is not in the library "
                    f"(expected {shown_dir}/{ref.replace('@', '/')}.yaml)",
                )
        if item.superseded_by in by_key and item.declared_key is not None:
            for successor in by_key[item.superseded_by]:
                if successor.supersedes not in (None, item.declared_key):
                    item.check.add(
                        ("superseded_by",),
                        f"says it is superseded by {item.superseded_by}, but that version "
                        f"supersedes {successor.supersedes}",
                    )

    lock_problems = _check_lock(directory, parsed, report_unlocked=report_unlocked)

    problems: list[Problem] = []
    for item in parsed:
        if selected is None or item.path.resolve() in selected:
            problems.extend(item.check.problems)
    if selected is None:
        problems.extend(lock_problems)
    return problems, parsed


def _read_lock(directory: Path) -> tuple[dict[str, str] | None, list[Problem]]:
    path = lock_path(directory)
    shown = _display(path)
    if not path.exists():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, "", f"cannot be read: {exc}")]
    if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
        return None, [
            Problem(shown, "format", f'must be a JSON object with "format": {LOCK_FORMAT}')
        ]
    entries = data.get("published")
    if not isinstance(entries, dict):
        return None, [Problem(shown, "published", "must be a JSON object of id@version: hash")]
    problems: list[Problem] = []
    lock: dict[str, str] = {}
    for key, value in entries.items():
        where = f"published[{json.dumps(key)}]"
        try:
            parse_ref(key)
        except ValueError:
            problems.append(Problem(shown, where, f"{key!r} is not an id@version reference"))
            continue
        if not isinstance(value, str) or not _HASH_RE.fullmatch(value):
            problems.append(Problem(shown, where, "must be a hash like sha256:<64 hex digits>"))
            continue
        lock[key] = value
    unknown = sorted(set(data) - {"format", "published"})
    if unknown:
        problems.append(Problem(shown, unknown[0], f"unknown field(s): {', '.join(unknown)}"))
    return (None if problems else lock), problems


def _check_lock(
    directory: Path, parsed: Sequence[_Parsed], *, report_unlocked: bool
) -> list[Problem]:
    lock, problems = _read_lock(directory)
    if lock is None:
        return problems
    shown_lock = _display(lock_path(directory))
    for item in parsed:
        key = item.declared_key
        if key is None or item.hash is None or item.status is None:
            continue
        locked = lock.get(key)
        if item.status in LOCKED_STATUSES:
            if locked is None:
                if report_unlocked:
                    item.check.add(
                        ("status",),
                        f"{key} is {item.status} but has no entry in {shown_lock}: run "
                        f"`{LOCK_COMMAND}` to record its content hash (it is then immutable)",
                    )
            elif locked != item.hash:
                item.check.add(
                    (),
                    "published framework versions are immutable: publish a new version file "
                    f"instead of editing {item.display} (lock has {locked}, file now hashes to "
                    f"{item.hash})",
                    line=False,
                )
        elif locked is not None:
            item.check.add(
                ("status",),
                f"{key} is locked in {shown_lock} as published and cannot go back to "
                f"{item.status}: publish a new version file instead",
            )
    present = {p.declared_key for p in parsed} | {p.path_key for p in parsed}
    for key in sorted(lock):
        if key not in present:
            framework_id, version = parse_ref(key)
            problems.append(
                Problem(
                    shown_lock,
                    f"published[{json.dumps(key)}]",
                    f"locked version {key} has no framework file (expected "
                    f"{_display(directory)}/{framework_id}/{version}.yaml): published "
                    "versions must not be deleted; restore the file (retire it with "
                    "status: retired if it should no longer be used)",
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Ordering
# ---------------------------------------------------------------------------------------------


def _natural_key(version: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(
        (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk)
        for chunk in re.findall(r"\d+|\D+", version)
    )


def _latest_key(
    framework: FrameworkVersion,
) -> tuple[date, tuple[tuple[int, int, str], ...]]:
    return (framework.effective_from or date.min, _natural_key(framework.version))


def _sort_key(
    framework: FrameworkVersion,
) -> tuple[str, bool, date, tuple[tuple[int, int, str], ...]]:
    return (
        framework.id,
        framework.effective_from is None,
        framework.effective_from or date.min,
        _natural_key(framework.version),
    )


# ---------------------------------------------------------------------------------------------
# Diff
# ---------------------------------------------------------------------------------------------


def _field_changes(
    old: Measure | Theme | Outcome, new: Measure | Theme | Outcome, skip: Sequence[str]
) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for item in dataclasses.fields(old):
        if item.name in skip:
            continue
        before, after = getattr(old, item.name), getattr(new, item.name)
        if before != after:
            changes.append(FieldChange(item.name, before, after))
    return tuple(changes)


def diff_versions(old: FrameworkVersion, new: FrameworkVersion) -> FrameworkDiff:
    """Measures (and themes and outcomes) added, removed or changed, matched by code.

    Every field of a measure is compared, including which theme and outcome it sits under.
    Unchanged items never appear.
    """
    old_measures = {m.code: m for m in old.measures()}
    new_measures = {m.code: m for m in new.measures()}
    changed: list[MeasureChange] = []
    for code, after in new_measures.items():
        before = old_measures.get(code)
        if before is not None:
            fields = _field_changes(before, after, ("code",))
            if fields:
                changed.append(MeasureChange(code, fields))

    old_themes = {t.code: t for t in old.themes}
    new_themes = {t.code: t for t in new.themes}
    themes_changed: list[ThemeChange] = []
    for code, after_theme in new_themes.items():
        before_theme = old_themes.get(code)
        if before_theme is not None:
            fields = _field_changes(before_theme, after_theme, ("code", "outcomes"))
            if fields:
                themes_changed.append(ThemeChange(code, fields))

    old_outcomes = {o.code: o for o in old.outcomes()}
    new_outcomes = {o.code: o for o in new.outcomes()}
    outcomes_changed: list[OutcomeChange] = []
    for code, after_outcome in new_outcomes.items():
        before_outcome = old_outcomes.get(code)
        if before_outcome is not None:
            fields = _field_changes(before_outcome, after_outcome, ("code", "measures"))
            if fields:
                outcomes_changed.append(OutcomeChange(code, fields))

    return FrameworkDiff(
        old_key=old.key,
        new_key=new.key,
        added=tuple(m for c, m in new_measures.items() if c not in old_measures),
        removed=tuple(m for c, m in old_measures.items() if c not in new_measures),
        changed=tuple(changed),
        themes_added=tuple(t for c, t in new_themes.items() if c not in old_themes),
        themes_removed=tuple(t for c, t in old_themes.items() if c not in new_themes),
        themes_changed=tuple(themes_changed),
        outcomes_added=tuple(o for c, o in new_outcomes.items() if c not in old_outcomes),
        outcomes_removed=tuple(o for c, o in old_outcomes.items() if c not in new_outcomes),
        outcomes_changed=tuple(outcomes_changed),
    )
