"""Catalog entries as DCAT-AP (RDF): every property comes from the schema's `dcat` declarations.

The schema (catalog_schema/catalog.yaml) says which field becomes which property, and gives each vocabulary term
its IRI in a published vocabulary (`uri`: the EU frequency, access-right and file-type tables, XSD datatypes).
This module knows only DCAT itself: which properties belong to the distribution rather than the dataset, what
kind of object each takes (a language-tagged text, an identifier, an IRI, a rights statement), and how the
registry's own things are described — departments as publishers (foaf:Organization), classification nodes as
themes (skos:Concept), related entries by their dataset IRIs, data items (信息项) as the columns of a CSVW table
schema. A field without a `dcat` declaration is not exported; an extension field with one is, with no code.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from flask import current_app, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import CSVW, DCAT, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.namespace import DCTERMS as DCT

from catalog_schema import CatalogSchema, FieldSpec, get_schema

from .reading import Lookups, OpenEntry, Page

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CHINESE = URIRef("http://publications.europa.eu/resource/authority/language/ZHO")
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
LANGUAGE = "zh"

CATALOG_TITLE = "政务信息资源目录（开放目录）"

#: properties of the dataset's dcat:Distribution (the resource as it is provided), not of the dataset
DISTRIBUTION_PROPERTIES = frozenset({DCT.format, DCAT.mediaType, DCAT.accessURL, DCAT.downloadURL, DCAT.byteSize,
                                     DCT.rights, DCT.license, CSVW.tableSchema})
#: properties whose text is an identifier or a name, not Chinese prose: no language tag
UNTAGGED = frozenset({DCT.identifier, CSVW.name})
#: properties that take an IRI: a text value is written only when it is an http(s) address
IRI_VALUED = frozenset({DCAT.accessURL, DCAT.downloadURL, DCAT.landingPage, FOAF.page})
#: properties whose object is a statement (its class), so a text becomes a node labelled with it
STATEMENTS = {DCT.rights: DCT.RightsStatement, DCT.accessRights: DCT.RightsStatement,
              DCT.license: DCT.LicenseDocument}
LENGTH = re.compile(r"([0-9]{1,5})(?:,([0-9]{1,3}))?")


def new_graph(schema: CatalogSchema | None = None) -> Graph:
    """An empty graph with the prefixes of the schema's namespaces and the vocabularies used here."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in {"dct": DCT, "dcat": DCAT, "foaf": FOAF, "skos": SKOS, "csvw": CSVW, "hydra": HYDRA,
                              "vcard": VCARD, **(schema or get_schema()).namespaces}.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def is_web_address(value) -> bool:
    if not isinstance(value, str) or any(c.isspace() or c in '<>"{}|\\^`' for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class Describer:
    """Writes open entries into a graph as dcat:Dataset resources (one page's entries share its lookups)."""

    def __init__(self, graph: Graph, lookups: Lookups, schema: CatalogSchema | None = None):
        self.graph, self.lookups, self.schema = graph, lookups, schema or get_schema()

    def _property(self, spec: FieldSpec) -> URIRef | None:
        return URIRef(self.schema.iri(spec.dcat)) if spec.dcat else None

    # ---- the dataset ---------------------------------------------------------------------------------------

    def dataset(self, entry: OpenEntry) -> URIRef:
        """The entry as a dcat:Dataset whose IRI is its page in the portal, with one dcat:Distribution."""
        g, values = self.graph, entry.values
        dataset = dataset_iri(entry.id)
        distribution = URIRef(f"{dataset}#distribution")
        g.add((dataset, RDF.type, DCAT.Dataset))
        g.add((dataset, DCAT.landingPage, dataset))
        g.add((dataset, DCT.language, CHINESE))
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        formats: list[FieldSpec] = []
        for spec in self.schema.fields:
            prop = self._property(spec)
            if prop is None:
                continue
            if prop == DCT.format:
                formats.append(spec)  # the category, type and note together are one format
                continue
            subject = distribution if prop in DISTRIBUTION_PROPERTIES else dataset
            for node in self._objects(spec, prop, values.get(spec.key), entry):
                g.add((subject, prop, node))
        self._format(distribution, formats, values)
        if g.value(distribution, DCAT.accessURL) is None:  # mandatory: without a service address, the entry's page
            g.add((distribution, DCAT.accessURL, dataset))
        items = values.get("data_items") or []
        if items and self.schema.items_dcat:
            prop = URIRef(self.schema.iri(self.schema.items_dcat))
            g.add((distribution if prop in DISTRIBUTION_PROPERTIES else dataset, prop, self._table(items)))
        return dataset

    def _objects(self, spec: FieldSpec, prop: URIRef, value, entry: OpenEntry | None = None) -> list:
        """The RDF objects of one field's value under `prop`, by the field's type and what the property takes."""
        if spec.type == "department":
            return [self.publisher(entry.department)] if entry is not None else []
        if value is None or value == "" or value == []:
            return []
        if spec.type == "category":
            return [self.theme(value)]
        if spec.type == "code_list":
            if prop == DCAT.theme:
                return [self.theme(code) for code in value]
            if prop == DCT.relation:  # only entries of the open catalog; the others are not named at all
                return [dataset_iri(self.lookups.open_ids[c]) for c in value if c in self.lookups.open_ids]
            return [Literal(code) for code in value]
        if spec.type in ("enum", "multi_enum"):
            vocabulary = self.schema.vocabulary(spec.vocabulary)
            codes = value if spec.type == "multi_enum" else [value]
            return [self._term(vocabulary.by_code[c]) for c in codes if c in vocabulary.by_code]
        if spec.type == "tags":
            return [Literal(tag, lang=LANGUAGE) for tag in value]
        if spec.type == "date":
            try:
                return [Literal(dt.date.fromisoformat(str(value)).isoformat(), datatype=XSD.date)]
            except ValueError:
                return []
        if spec.type == "integer":
            return [Literal(int(value))] if str(value).lstrip("-").isdigit() else []
        if spec.type == "bool":
            return [Literal(bool(value))]
        return [node for node in [self._text(prop, str(value))] if node is not None]

    def _text(self, prop: URIRef, text: str):
        if prop in IRI_VALUED:
            return URIRef(text) if is_web_address(text) else None
        if prop in STATEMENTS:
            node = BNode()
            self.graph.add((node, RDF.type, STATEMENTS[prop]))
            self.graph.add((node, RDFS.label, Literal(text, lang=LANGUAGE)))
            return node
        return Literal(text) if prop in UNTAGGED else Literal(text, lang=LANGUAGE)

    def _term(self, term):
        """A vocabulary term: its IRI in the published vocabulary, else a concept with the term's code and label."""
        if term.uri:
            return URIRef(term.uri)
        node = BNode()
        self.graph.add((node, RDF.type, SKOS.Concept))
        self.graph.add((node, SKOS.notation, Literal(term.code)))
        self.graph.add((node, SKOS.prefLabel, Literal(term.label, lang=LANGUAGE)))
        if term.label_en:
            self.graph.add((node, SKOS.prefLabel, Literal(term.label_en, lang="en")))
        return node

    def _format(self, distribution: URIRef, specs: list[FieldSpec], values: dict) -> None:
        """dct:format: the IRI of the most specific term that has one (file type xlsx → EU file-type XLSX); without
        one, a dct:MediaTypeOrExtent labelled with what the entry says (数据库 / oracle). dcat:mediaType: the IANA
        media type of the most specific term that declares one."""
        terms, labels = [], []
        for spec in specs:
            value = values.get(spec.key)
            if spec.type == "enum" and value:
                term = self.schema.vocabulary(spec.vocabulary).by_code.get(value)
                if term is not None:
                    terms.append(term)
            shown = self.schema.display(spec, value)
            if shown:
                labels.append(shown)
        with_iri = [term for term in terms if term.uri]
        if with_iri:
            self.graph.add((distribution, DCT.format, URIRef(with_iri[-1].uri)))
        elif labels:
            node = BNode()
            self.graph.add((node, RDF.type, DCT.MediaTypeOrExtent))
            self.graph.add((node, RDFS.label, Literal(" / ".join(labels), lang=LANGUAGE)))
            self.graph.add((distribution, DCT.format, node))
        with_media_type = [term for term in terms if term.media_type]
        if with_media_type:
            self.graph.add((distribution, DCAT.mediaType, URIRef(MEDIA_TYPES + with_media_type[-1].media_type)))

    # ---- data items: a CSVW table schema -------------------------------------------------------------------

    def _table(self, items: list[dict]) -> BNode:
        """The data items, in order, as the columns of a csvw:Schema; each column's properties come from the
        item fields' `dcat` declarations (csvw:datatype and csvw:maxLength make its datatype together)."""
        g = self.graph
        table = BNode()
        g.add((table, RDF.type, CSVW.Schema))
        columns = []
        for item in items:
            column = BNode()
            g.add((column, RDF.type, CSVW.Column))
            datatype, length = None, None
            for spec in self.schema.item_fields:
                prop = self._property(spec)
                if prop == CSVW.datatype:
                    term = self.schema.vocabulary(spec.vocabulary).by_code.get(item.get(spec.key) or "")
                    datatype = term
                elif prop == CSVW.maxLength:
                    length = str(item.get(spec.key) or "").replace("，", ",").strip()
                elif prop is not None:
                    for node in self._objects(spec, prop, item.get(spec.key)):
                        g.add((column, prop, node))
            described = self._datatype(datatype, length)
            if described is not None:
                g.add((column, CSVW.datatype, described))
            columns.append(column)
        head = BNode()
        Collection(g, head, columns)
        g.add((table, CSVW.column, head))
        return table

    def _datatype(self, term, length: str | None):
        """The column's datatype: the XSD datatype of its data type (字符型 → xsd:string); with a length, a
        csvw:Datatype on that base with csvw:maxLength (50), or xsd:totalDigits and xsd:fractionDigits for a
        precision and scale (12,2)."""
        base = URIRef(term.uri) if term is not None and term.uri else None
        match = LENGTH.fullmatch(length or "")
        if match is None:
            return base if base is not None else (self._term(term) if term is not None else None)
        g, node = self.graph, BNode()
        g.add((node, RDF.type, CSVW.Datatype))
        if base is not None:
            g.add((node, CSVW.base, base))
        if term is not None:
            g.add((node, RDFS.label, Literal(term.label, lang=LANGUAGE)))
        if match.group(2) is None:
            g.add((node, CSVW.maxLength, Literal(int(match.group(1)))))
        else:
            g.add((node, XSD.totalDigits, Literal(int(match.group(1)))))
            g.add((node, XSD.fractionDigits, Literal(int(match.group(2)))))
        return node

    # ---- what entries refer to -----------------------------------------------------------------------------

    def publisher(self, department) -> URIRef:
        """The provider (信息资源提供方): the department's page, a foaf:Organization with its name and, when known,
        its 统一社会信用代码 as dct:identifier."""
        g = self.graph
        agent = URIRef(url_for("portal.department", department_id=department.id, _external=True))
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, RDF.type, FOAF.Organization))
        g.add((agent, FOAF.name, Literal(department.name, lang=LANGUAGE)))
        if department.credit_code:
            g.add((agent, DCT.identifier, Literal(department.credit_code)))
        return agent

    def theme(self, code: str) -> URIRef:
        """A classification node (信息资源分类, or a topic): a skos:Concept whose IRI is the portal's search by it."""
        g = self.graph
        concept = URIRef(url_for("portal.search", category_code=code, _external=True))
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.notation, Literal(code)))
        name = self.lookups.category_names.get(code)
        if name:
            g.add((concept, SKOS.prefLabel, Literal(name, lang=LANGUAGE)))
        return concept


def dataset_iri(entry_id: int) -> URIRef:
    """A dataset's stable IRI: the entry's page in the portal."""
    return URIRef(url_for("portal.entry", entry_id=entry_id, _external=True))


def catalog_graph(page: Page, page_url) -> Graph:
    """One page of the open catalog: the dcat:Catalog with the page's datasets, and the Hydra paging that
    harvesters follow (ckanext-dcat, udata): hydra:PartialCollectionView with first / previous / next / last.
    `page_url(n)` is the absolute address of page n."""
    graph = new_graph()
    config = current_app.config
    catalog = URIRef(url_for("portal.catalog_view", key="open", _external=True))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCT.title, Literal(CATALOG_TITLE, lang=LANGUAGE)))
    graph.add((catalog, DCT.description, Literal(
        f"{config['PORTAL_ORGANIZER']}主办的政务信息资源目录中向社会开放的信息资源", lang=LANGUAGE)))
    graph.add((catalog, FOAF.homepage, URIRef(url_for("portal.home", _external=True))))
    graph.add((catalog, DCT.language, CHINESE))
    organizer = BNode()
    graph.add((organizer, RDF.type, FOAF.Agent))
    graph.add((organizer, RDF.type, FOAF.Organization))
    graph.add((organizer, FOAF.name, Literal(config["PORTAL_ORGANIZER"], lang=LANGUAGE)))
    graph.add((catalog, DCT.publisher, organizer))
    if config["PORTAL_CONTACT"]:  # the organiser's public contact (the footer's), never a person's
        contact = BNode()
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, VCARD.fn, Literal(config["PORTAL_ORGANIZER"], lang=LANGUAGE)))
        graph.add((contact, VCARD.note, Literal(config["PORTAL_CONTACT"], lang=LANGUAGE)))
        graph.add((catalog, DCAT.contactPoint, contact))

    describer = Describer(graph, page.lookups)
    for entry in page.entries:
        graph.add((catalog, DCAT.dataset, describer.dataset(entry)))

    view = URIRef(page_url(page.number))
    graph.add((catalog, RDF.type, HYDRA.Collection))
    graph.add((catalog, HYDRA.totalItems, Literal(page.total)))
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.totalItems, Literal(page.total)))  # where ckanext-dcat looks for them
    graph.add((view, HYDRA.itemsPerPage, Literal(page.size)))
    for prop, number in paging_links(page).items():
        graph.add((view, HYDRA[prop], URIRef(page_url(number))))
    return graph


def paging_links(page: Page) -> dict[str, int]:
    """Hydra's first / previous / next / last of a page, as page numbers."""
    links = {"first": 1, "last": page.last}
    if page.number > 1:
        links["previous"] = page.number - 1
    if page.number < page.last:
        links["next"] = page.number + 1
    return links


def entry_graph(entry: OpenEntry, lookups: Lookups) -> Graph:
    """One open entry's own document: its dataset, distribution, publisher and themes."""
    graph = new_graph()
    Describer(graph, lookups).dataset(entry)
    return graph
