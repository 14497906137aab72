"""The DCAT export: the open catalog as DCAT-AP in Turtle, JSON-LD and RDF/XML, paged, and one document per open
entry — parsed back with rdflib, holding every open entry once and nothing else."""
from __future__ import annotations

import re
import warnings

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import CSVW, DCAT, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.namespace import DCTERMS as DCT
from sqlalchemy import event, select

from app import catalog
from app.core.db import transaction
from app.extensions import db
from tests.portal.test_portal import login

HYDRA = "http://www.w3.org/ns/hydra/core#"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
SUFFIXES = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"),
            "rdf": ("xml", "application/rdf+xml")}
OPEN = {"category_code": "201001", "sensitivity": [], "sharing_type": "unconditional", "sharing_condition": None,
        "open_to_public": True, "open_condition": "无条件开放，注明来源即可",
        "data_items": [{"name": "监测站点", "data_type": "C", "length": "50"},
                       {"name": "AQI", "data_type": "I", "length": "4"}]}


@pytest.fixture
def make_open(make_entry):
    def make(**overrides):
        return make_entry(**{**OPEN, **overrides})
    return make


def parse(data: bytes, suffix: str) -> Graph:
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=data, format=SUFFIXES[suffix][0])


def fetch(client, url: str, suffix: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Type"] == f"{SUFFIXES[suffix][1]}; charset=utf-8"
    return parse(response.get_data(), suffix)


def identifiers(graph: Graph) -> list[str]:
    return [str(graph.value(d, DCT.identifier)) for d in graph.subjects(RDF.type, DCAT.Dataset)]


def dataset_of(graph: Graph) -> URIRef:
    [dataset] = graph.subjects(RDF.type, DCAT.Dataset)
    return dataset


def walk(client, suffix: str) -> tuple[list[str], list[str]]:
    """Every page of the catalog from the first, following hydra:next: (identifiers, page URLs)."""
    url, codes, pages = f"/catalog.{suffix}", [], []
    while url:
        graph = fetch(client, url, suffix)
        codes += identifiers(graph)
        pages.append(url)
        [view] = graph.subjects(RDF.type, URIRef(HYDRA + "PartialCollectionView"))
        following = graph.value(view, URIRef(HYDRA + "next"))
        url = str(following).replace("http://localhost", "") if following is not None else None
        assert len(pages) < 50
    return codes, pages


# ---- the catalog ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", SUFFIXES)
def test_the_catalog_parses_and_holds_every_open_entry_and_nothing_else(client, make_entry, make_open, admin,
                                                                        suffix):
    opened = [make_open(name=f"空气质量监测日报{n}") for n in range(3)]
    closed = make_entry(name="户籍人口基本信息")
    unpublished = make_open(publish=False, name="未发布的开放资源")
    retired = make_open(name="已停用的开放资源")
    with transaction():
        catalog.retire([retired], user=admin, reason="测试停用")

    graph = fetch(client, f"/catalog.{suffix}", suffix)
    codes = identifiers(graph)
    assert sorted(codes) == sorted(e.resource_code for e in opened)
    assert not {closed.resource_code, unpublished.resource_code, retired.resource_code} & set(codes)
    [catalog_node] = graph.subjects(RDF.type, DCAT.Catalog)
    assert set(graph.objects(catalog_node, DCAT.dataset)) == set(graph.subjects(RDF.type, DCAT.Dataset))
    assert graph.value(catalog_node, DCT.title).language == "zh"
    assert graph.value(catalog_node, URIRef(HYDRA + "totalItems")).toPython() == 3


def test_signed_in_users_get_the_open_catalog_too(client, make_entry, make_open, admin):
    opened = make_open(name="空气质量监测日报")
    closed = make_entry(name="户籍人口基本信息")
    login(client, admin)
    assert identifiers(fetch(client, "/catalog.ttl", "ttl")) == [opened.resource_code]
    assert client.get(f"/entries/{closed.id}.ttl").status_code == 404
    assert client.get(f"/entries/{closed.id}").status_code == 200  # the portal shows it to government users


def test_the_pages_together_hold_every_open_entry_exactly_once(app, client, make_open):
    app.config["DCAT_PAGE_SIZE"] = 2
    opened = [make_open(name=f"空气质量监测日报{n}") for n in range(5)]
    for suffix in SUFFIXES:
        codes, pages = walk(client, suffix)
        assert sorted(codes) == sorted(e.resource_code for e in opened) and len(codes) == len(set(codes))
        assert pages == [f"/catalog.{suffix}", f"/catalog.{suffix}?page=2", f"/catalog.{suffix}?page=3"]


def test_each_page_names_its_neighbours_in_hydra_and_in_link_headers(app, client, make_open):
    app.config["DCAT_PAGE_SIZE"] = 2
    for n in range(5):
        make_open(name=f"空气质量监测日报{n}")
    response = client.get("/catalog.ttl?page=2")
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}
    assert links == {"first": "http://localhost/catalog.ttl?page=1", "prev": "http://localhost/catalog.ttl?page=1",
                     "next": "http://localhost/catalog.ttl?page=3", "last": "http://localhost/catalog.ttl?page=3"}
    graph = parse(response.get_data(), "ttl")
    view = URIRef("http://localhost/catalog.ttl?page=2")
    assert (view, RDF.type, URIRef(HYDRA + "PartialCollectionView")) in graph
    assert {str(p).removeprefix(HYDRA): str(o) for p, o in graph.predicate_objects(view)
            if str(p) in (HYDRA + "first", HYDRA + "previous", HYDRA + "next", HYDRA + "last")} == {
        "first": links["first"], "previous": links["prev"], "next": links["next"], "last": links["last"]}
    assert graph.value(view, URIRef(HYDRA + "itemsPerPage")).toPython() == 2

    last = client.get("/catalog.ttl?page=3")
    assert 'rel="next"' not in last.headers["Link"] and len(identifiers(parse(last.get_data(), "ttl"))) == 1


@pytest.mark.parametrize("value", ["abc", "0", "00", "-1", "1.5", "１", "2 ", "\x00"])
def test_a_bad_page_parameter_is_a_400_naming_it_in_chinese_and_english(client, make_open, value):
    make_open(name="空气质量监测日报")
    response = client.get("/catalog.ttl", query_string={"page": value})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert "查询参数「页码」（page）的值无效" in text and "query parameter page is invalid" in text


def test_a_page_past_the_last_is_not_found_and_an_empty_catalog_has_one_empty_page(client, make_open):
    empty = fetch(client, "/catalog.ttl", "ttl")
    assert identifiers(empty) == [] and len(list(empty.subjects(RDF.type, DCAT.Catalog))) == 1
    assert client.get("/catalog.ttl?page=2").status_code == 404
    make_open(name="空气质量监测日报")
    assert client.get("/catalog.jsonld?page=1").status_code == 200
    for page in ("2", "99999999999999999999", "9" * 5000):
        assert client.get(f"/catalog.rdf?page={page}").status_code == 404


def test_a_page_is_built_from_a_fixed_number_of_queries(app, client, make_open):
    """Count, page (entries with versions and departments), classification names, related open entries."""
    app.config["DCAT_PAGE_SIZE"] = 10
    first = make_open(name="空气质量监测日报")
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def selects() -> int:
        statements.clear()
        assert client.get("/catalog.ttl").status_code == 200
        return sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)

    def add(n: int) -> None:
        make_open(name=f"水质监测日报{n}", topic_codes=["201002"], related_codes=[first.resource_code],
                  keywords=["水质", f"站点{n}"])

    add(0)
    two = selects()
    for n in range(1, 7):
        add(n)
    assert selects() == two == 4


# ---- one entry -----------------------------------------------------------------------------------------------

def test_an_open_entrys_document_describes_it_in_dcat_ap(client, make_open):
    entry = make_open(
        name="空气质量监测月报", keywords=["空气质量", "AQI"], update_cycle="monthly", sharing_type="conditional",
        sharing_condition="须经申请审核。", format_category="spreadsheet", format_type="xlsx",
        summary="全市空气质量监测站点的月度统计。", topic_codes=["201002"],
        data_items=[{"name": "监测站点", "name_en": "station", "data_type": "C", "length": "50",
                     "description": "站点名称"},
                    {"name": "PM2.5 浓度", "data_type": "N", "length": "12,2", "sharing_type": "unconditional"},
                    {"name": "监测日期", "data_type": "D"}])
    graph = fetch(client, f"/entries/{entry.id}.ttl", "ttl")
    dataset = dataset_of(graph)
    assert str(dataset) == f"http://localhost/entries/{entry.id}"
    assert graph.value(dataset, DCT.identifier) == Literal(entry.resource_code)
    assert graph.value(dataset, DCT.title) == Literal("空气质量监测月报", lang="zh")
    assert graph.value(dataset, DCT.description) == Literal("全市空气质量监测站点的月度统计。", lang="zh")
    assert set(graph.objects(dataset, DCAT.keyword)) == {Literal("空气质量", lang="zh"), Literal("AQI", lang="zh")}
    assert graph.value(dataset, DCT.accrualPeriodicity) == URIRef(FREQUENCY + "MONTHLY")
    assert graph.value(dataset, DCT.accessRights) == URIRef(ACCESS_RIGHT + "RESTRICTED")
    assert graph.value(dataset, DCT.issued).datatype == XSD.date
    assert graph.value(dataset, DCT.modified).datatype == XSD.date

    publisher = graph.value(dataset, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in graph
    assert graph.value(publisher, FOAF.name) == Literal(entry.department.name, lang="zh")
    themes = {str(graph.value(t, SKOS.notation)): graph.value(t, SKOS.prefLabel)
              for t in graph.objects(dataset, DCAT.theme)}
    assert set(themes) == {"201001", "201002"} and all(label.language == "zh" for label in themes.values())

    distribution = graph.value(dataset, DCAT.distribution)
    assert (distribution, RDF.type, DCAT.Distribution) in graph
    assert graph.value(distribution, DCT.format) == URIRef(FILE_TYPE + "XLSX")
    assert graph.value(distribution, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert graph.value(distribution, DCAT.accessURL) == dataset  # no service address: the entry's page
    rights = graph.value(distribution, DCT.rights)
    assert graph.value(rights, RDFS.label) == Literal("无条件开放，注明来源即可", lang="zh")

    columns = list(Collection(graph, graph.value(graph.value(distribution, CSVW.tableSchema), CSVW.column)))
    assert [str(graph.value(c, CSVW.title)) for c in columns] == ["监测站点", "PM2.5 浓度", "监测日期"]
    station, concentration, day = columns
    assert graph.value(station, CSVW.name) == Literal("station")
    assert graph.value(station, DCT.description) == Literal("站点名称", lang="zh")
    assert graph.value(graph.value(station, CSVW.datatype), CSVW.base) == XSD.string
    assert graph.value(graph.value(station, CSVW.datatype), CSVW.maxLength).toPython() == 50
    digits = graph.value(concentration, CSVW.datatype)
    assert (graph.value(digits, CSVW.base), graph.value(digits, XSD.totalDigits).toPython(),
            graph.value(digits, XSD.fractionDigits).toPython()) == (XSD.decimal, 12, 2)
    assert graph.value(concentration, DCT.accessRights) == URIRef(ACCESS_RIGHT + "PUBLIC")
    assert graph.value(day, CSVW.datatype) == XSD.date


def test_a_format_without_a_published_iri_is_described_by_its_labels(client, make_open):
    entry = make_open(name="空气质量监测日报", format_category="database", format_type="oracle")
    graph = fetch(client, f"/entries/{entry.id}.jsonld", "jsonld")
    fmt = graph.value(graph.value(dataset_of(graph), DCAT.distribution), DCT.format)
    assert (fmt, RDF.type, DCT.MediaTypeOrExtent) in graph
    assert graph.value(fmt, RDFS.label) == Literal("数据库 / oracle", lang="zh")


def test_a_service_address_is_the_access_url(client, make_open):
    entry = make_open(name="空气质量实时接口", format_category="service_interface", format_type="rest",
                      service_address="https://api.example.gov.cn/air/v1", data_items=[])
    graph = fetch(client, f"/entries/{entry.id}.rdf", "rdf")
    distribution = graph.value(dataset_of(graph), DCAT.distribution)
    assert graph.value(distribution, DCAT.accessURL) == URIRef("https://api.example.gov.cn/air/v1")
    assert graph.value(distribution, CSVW.tableSchema) is None


def test_only_related_entries_of_the_open_catalog_are_named(client, make_entry, make_open):
    closed = make_entry(name="户籍人口基本信息")
    other = make_open(name="水质监测日报")
    entry = make_open(name="空气质量监测日报", related_codes=[closed.resource_code, other.resource_code])
    graph = fetch(client, f"/entries/{entry.id}.ttl", "ttl")
    assert list(graph.objects(dataset_of(graph), DCT.relation)) == [URIRef(f"http://localhost/entries/{other.id}")]
    assert closed.resource_code not in client.get(f"/entries/{entry.id}.ttl").get_data(as_text=True)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_entries_outside_the_open_catalog_are_the_portals_404(client, make_entry, make_open, admin, suffix):
    closed = make_entry(name="户籍人口基本信息")
    unpublished = make_open(publish=False, name="未发布的开放资源")
    retired = make_open(name="已停用的开放资源")
    with transaction():
        catalog.retire([retired], user=admin, reason="测试停用")
    missing = client.get("/entries/2147483647")
    for entry in (closed, unpublished, retired):
        response = client.get(f"/entries/{entry.id}.{suffix}")
        assert response.status_code == 404
        assert response.get_data() == missing.get_data()


def test_the_entry_routes_do_not_clash_with_the_portals(client, make_open):
    entry = make_open(name="空气质量监测日报")
    assert client.get(f"/entries/{entry.id}").headers["Content-Type"].startswith("text/html")
    assert client.get(f"/entries/{entry.id}.json").get_json()["id"] == entry.id
    for suffix in SUFFIXES:
        assert identifiers(fetch(client, f"/entries/{entry.id}.{suffix}", suffix)) == [entry.resource_code]


def test_the_entry_page_links_an_open_entrys_rdf_documents(client, make_entry, make_open, admin):
    opened = make_open(name="空气质量监测日报")
    page = client.get(f"/entries/{opened.id}").get_data(as_text=True)
    assert f'href="/entries/{opened.id}.ttl"' in page and f'href="/entries/{opened.id}.jsonld"' in page
    closed = make_entry(name="户籍人口基本信息")
    login(client, admin)
    assert f"/entries/{closed.id}.ttl" not in client.get(f"/entries/{closed.id}").get_data(as_text=True)


def test_the_open_catalog_page_links_the_catalog_document(client, make_open):
    make_open(name="空气质量监测日报")
    assert 'href="/catalog.ttl"' in client.get("/catalogs/open").get_data(as_text=True)
    assert 'href="/catalog.ttl"' not in client.get("/search?q=空气").get_data(as_text=True)  # a search is not the catalog


# ---- literals ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", SUFFIXES)
def test_values_that_need_escaping_round_trip_through_every_format(client, make_open, suffix):
    name = '“引号”与"quotes" <b>&amp; \\ 名称'
    summary = 'He said "hi" & <script>alert(1)</script>\n第二行：\'单引号\'\t制表符 \\n 不是换行 ]]> @zh'
    entry = make_open(name=name, summary=summary, keywords=['"引号"', "<标签>", "a&b"])
    for url in (f"/entries/{entry.id}.{suffix}", f"/catalog.{suffix}"):
        graph = fetch(client, url, suffix)
        dataset = dataset_of(graph)
        assert graph.value(dataset, DCT.title) == Literal(name, lang="zh")
        assert graph.value(dataset, DCT.description) == Literal(summary, lang="zh")
        assert set(map(str, graph.objects(dataset, DCAT.keyword))) == {'"引号"', "<标签>", "a&b"}


def test_chinese_text_is_tagged_zh_and_codes_are_not(client, make_open):
    entry = make_open(name="空气质量监测日报", keywords=["空气"])
    graph = fetch(client, "/catalog.jsonld", "jsonld")
    dataset = dataset_of(graph)
    for prop in (DCT.title, DCT.description, DCAT.keyword):
        assert graph.value(dataset, prop).language == "zh", prop
    assert graph.value(graph.value(dataset, DCT.publisher), FOAF.name).language == "zh"
    assert graph.value(dataset, DCT.identifier).language is None
    assert str(graph.value(dataset, DCT.identifier)) == entry.resource_code


# ---- the demo city -------------------------------------------------------------------------------------------

def test_the_demo_catalogs_pages_hold_exactly_its_open_entries(app, client):
    from app import demo
    from app.catalog import Entry, policy

    demo.load_reference_data()
    demo.generate(300)
    app.config["DCAT_PAGE_SIZE"] = 40
    expected = {entry.resource_code for entry in db.session.scalars(select(Entry))
                if policy.can_see_published(None, entry)}
    assert len(expected) > 20
    codes, pages = walk(client, "ttl")
    assert len(codes) == len(set(codes)) and set(codes) == expected
    assert len(pages) == -(-len(expected) // 40)
