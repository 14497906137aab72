"""Load the declarative catalog schema (目录元数据规范) into immutable field specs.

Nothing here knows of Flask or the ORM: `search/` and `importers/` read the same specs.
"""
from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass, field

import yaml

from .formats import FORMATS

# libyaml's C loader when PyYAML was built with it (it is, from PyPI wheels): ~10x faster on big files
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SCHEMA_FILE = pathlib.Path(__file__).with_name("catalog.yaml")

FIELD_TYPES = {
    "text", "textarea", "enum", "multi_enum", "bool", "date", "integer", "code_list", "category", "department",
    "tags",
}
#: types whose value is a list (stored as a JSON list; [] when empty)
LIST_TYPES = ("multi_enum", "code_list", "tags")
#: what separates the values of a `tags` field typed into one form input or one Excel cell, besides line breaks
#: (never spaces: a keyword may hold one, e.g. “open data”); “、” is what the registry writes back
TAG_SEPARATORS = "、，,；;"
TAG_JOINER = "、"


@dataclass(frozen=True)
class Term:
    """One value of a controlled vocabulary (代码表中的一项)."""

    code: str
    label: str
    label_en: str = ""
    national_code: str | None = None
    parent: str | None = None
    other: bool = False
    # update cycles: how long after an update the next one is expected, e.g. {"months": 3} (None: no fixed cycle)
    interval: dict | None = field(default=None, hash=False, compare=False)
    # sharing methods: the data-access adapter that provides a grant of this method (app/adapters)
    adapter: str | None = None
    # the RDF export: the term's IRI in a published vocabulary (the EU frequency or access-right table, an XSD
    # datatype …), written in the file as a prefixed name of `namespaces` and held here expanded
    uri: str | None = None
    # format types: the IANA media type (e.g. application/pdf), for dcat:mediaType
    media_type: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    key: str
    label: str
    terms: tuple[Term, ...]

    @functools.cached_property
    def by_code(self) -> dict[str, Term]:
        return {t.code: t for t in self.terms}

    @functools.cached_property
    def by_label(self) -> dict[str, Term]:
        """Label → term, also national codes, so Excel cells may carry either."""
        out = {t.label: t for t in self.terms}
        out.update({t.national_code: t for t in self.terms if t.national_code})
        return out

    def label_of(self, code: str | None) -> str:
        term = self.by_code.get(code or "")
        return term.label if term else (code or "")

    def children_of(self, parent: str) -> list[Term]:
        return [t for t in self.terms if t.parent == parent]


@dataclass(frozen=True)
class FieldSpec:
    """One metadata element: everything the form, validator, Excel, API and index need to know."""

    key: str
    label: str
    label_en: str
    type: str
    section: str = "basic"
    required: bool = False
    editable: bool = True
    vocabulary: str | None = None
    max_length: int | None = None       # text: the whole value; tags: each value
    max_items: int | None = None        # tags: how many values at most
    help: str = ""
    search: tuple[str, ...] = ()
    weight: int = 1
    national_element: int | None = None
    dcat: str | None = None
    show_when: dict | None = field(default=None, hash=False, compare=False)
    # an Excel column only (never the form, the API or a version's data): migration metadata that only an admin
    # publishing an import directly may fill (see app/imports)
    import_only: bool = False
    # a text's format, one of formats.FORMATS (phone, email): checked alike by the form, Excel and the API
    format: str | None = None

    @property
    def bilingual_label(self) -> str:
        return f"{self.label} ({self.label_en})"


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    label_en: str


@dataclass(frozen=True)
class CatalogSchema:
    version: int
    sections: tuple[Section, ...]
    vocabularies: dict[str, Vocabulary]
    fields: tuple[FieldSpec, ...]
    item_fields: tuple[FieldSpec, ...]
    items_label: str
    items_label_en: str
    items_help: str
    items_search_weight: int = 4
    # computed by the registry, never entered: searched and shown, not in forms, Excel or a version's data
    derived: tuple[FieldSpec, ...] = ()
    # the RDF export: prefix → namespace IRI of the names in `dcat` and `uri`, and the property the data items
    # (as one table description) hang from
    namespaces: dict[str, str] = field(default_factory=dict)
    items_dcat: str | None = None
    _by_key: dict[str, FieldSpec] = field(default_factory=dict, repr=False)

    def field(self, key: str) -> FieldSpec:
        """A field or a derived element, by key."""
        return self._by_key[key]

    def item_field(self, key: str) -> FieldSpec:
        return next(f for f in self.item_fields if f.key == key)

    def vocabulary(self, key: str) -> Vocabulary:
        return self.vocabularies[key]

    def iri(self, name: str) -> str:
        """A prefixed name of the schema's `namespaces` (``dct:title``) as a full IRI."""
        return _expand(name, self.namespaces, name)

    @property
    def editable_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.editable)

    @property
    def import_only_fields(self) -> tuple[FieldSpec, ...]:
        """Fields the Excel template and importer carry that are not entry metadata (see `FieldSpec.import_only`)."""
        return tuple(f for f in self.fields if f.import_only)

    def fields_in(self, section: str) -> list[FieldSpec]:
        return [f for f in self.fields if f.section == section]

    def label(self, key: str) -> str:
        if key == "data_items":
            return self.items_label
        return self._by_key[key].label

    def display(self, spec: FieldSpec, value) -> str:
        """A stored value as a person reads it (vocabulary labels, 是/否, lists joined)."""
        if value is None or value == "" or value == []:
            return ""
        if spec.type == "bool":
            return "是" if value else "否"
        if spec.type == "enum" and spec.vocabulary:
            return self.vocabularies[spec.vocabulary].label_of(value)
        if spec.type == "multi_enum" and spec.vocabulary:
            vocab = self.vocabularies[spec.vocabulary]
            return "、".join(vocab.label_of(v) for v in value)
        if spec.type == "code_list":
            return "；".join(value)
        if spec.type == "tags":
            return TAG_JOINER.join(value) if isinstance(value, (list, tuple)) else str(value)
        return str(value)


def _field(raw: dict) -> FieldSpec:
    if raw["type"] not in FIELD_TYPES:
        raise ValueError(f"catalog schema: field {raw['key']!r} has unknown type {raw['type']!r}")
    raw = dict(raw)
    raw["search"] = tuple(raw.get("search") or ())
    return FieldSpec(**raw)


def _expand(name: str, namespaces: dict[str, str], where: str) -> str:
    """``prefix:local`` with a declared prefix → the full IRI; an absolute http(s) IRI stays as it is."""
    if name.startswith(("http://", "https://")):
        return name
    prefix, colon, local = name.partition(":")
    if not colon or prefix not in namespaces:
        raise ValueError(f"catalog schema: {where}: {name!r} is neither an http(s) IRI nor a prefixed name of "
                         f"`namespaces` ({', '.join(namespaces) or 'none declared'})")
    return namespaces[prefix] + local


def _term(raw: dict, namespaces: dict[str, str], vocabulary: str) -> Term:
    if raw.get("uri"):
        raw = {**raw, "uri": _expand(raw["uri"], namespaces, f"vocabulary {vocabulary!r}, term {raw['code']!r}")}
    return Term(**raw)


def load_schema(path: pathlib.Path | str = SCHEMA_FILE) -> CatalogSchema:
    """Read and check a schema file; raises ValueError naming the faulty declaration."""
    data = yaml.load(pathlib.Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    namespaces = dict(data.get("namespaces") or {})
    vocabularies = {
        key: Vocabulary(key=key, label=v["label"], terms=tuple(_term(t, namespaces, key) for t in v["values"]))
        for key, v in data["vocabularies"].items()
    }
    fields = tuple(_field(f) for f in data["fields"])
    items = data["data_items"]
    item_fields = tuple(_field(f) for f in items["fields"])
    if items.get("dcat"):
        _expand(items["dcat"], namespaces, "data_items")
    for spec in fields + item_fields:
        if spec.type in ("enum", "multi_enum") and spec.vocabulary not in vocabularies:
            raise ValueError(f"catalog schema: field {spec.key!r} names unknown vocabulary {spec.vocabulary!r}")
        if spec.dcat:
            _expand(spec.dcat, namespaces, f"field {spec.key!r}")
        if spec.import_only and (spec.editable or spec.required or spec.type != "date"):
            raise ValueError(f"catalog schema: import-only field {spec.key!r} must be a date, editable: false, "
                             "not required")
        if spec.format is not None and (spec.format not in FORMATS or spec.type != "text"):
            raise ValueError(f"catalog schema: field {spec.key!r} has format {spec.format!r}: a text field may "
                             f"declare one of {', '.join(FORMATS)}")
        if spec.max_items is not None and spec.type != "tags":
            raise ValueError(f"catalog schema: field {spec.key!r} has max_items but is not of type tags")
    by_key = {f.key: f for f in fields}
    for spec in fields:
        for other, wanted in (spec.show_when or {}).items():
            if other not in by_key:
                raise ValueError(f"catalog schema: field {spec.key!r} shows when unknown field {other!r}")
            if wanted == "@other":
                vocab = vocabularies[by_key[other].vocabulary]
                spec.show_when[other] = [t.code for t in vocab.terms if t.other]
    derived = tuple(_field(f) for f in data.get("derived") or ())
    for spec in derived:
        if spec.dcat:
            _expand(spec.dcat, namespaces, f"derived element {spec.key!r}")
        if spec.editable:
            raise ValueError(f"catalog schema: derived element {spec.key!r} must be editable: false")
        if spec.type == "enum" and spec.vocabulary not in vocabularies:
            raise ValueError(f"catalog schema: field {spec.key!r} names unknown vocabulary {spec.vocabulary!r}")
    keys = [f.key for f in fields + derived]
    if len(keys) != len(set(keys)):
        raise ValueError("catalog schema: duplicate field keys")
    return CatalogSchema(
        version=data["version"],
        sections=tuple(Section(**s) for s in data["sections"]),
        vocabularies=vocabularies,
        fields=fields,
        item_fields=item_fields,
        items_label=items["label"],
        items_label_en=items["label_en"],
        items_help=items.get("help", ""),
        items_search_weight=items.get("search_weight", 4),
        derived=derived,
        namespaces=namespaces,
        items_dcat=items.get("dcat"),
        _by_key={f.key: f for f in fields + derived},
    )


@functools.cache
def get_schema() -> CatalogSchema:
    """The deployment's schema (cached: the file is read once per process)."""
    return load_schema()
