"""/api/openapi.json is a valid OpenAPI 3 document that says what the API does — checked by openapi-spec-validator
and by a real schemathesis run against the app served on 127.0.0.1 — and /api/docs reads it to people."""
from __future__ import annotations

import html
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest
from openapi_spec_validator import validate

from app.ckan_api import actions
from catalog_schema import get_schema
from tests.portal.test_portal import login

#: at most this many generated cases per operation and phase: the two runs stay well under a minute
MAX_EXAMPLES = 15
SEED = 20261102


def test_the_document_is_a_valid_openapi_3_document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "政务信息资源目录 API"
    assert document["servers"] == [{"url": "/", "description": "本站"}]
    schemes = document["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {("header", "Authorization"),
                                                                 ("header", "X-CKAN-API-Key")}


def test_every_own_endpoint_and_every_ckan_action_is_documented(app, client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    own = {re.sub(r"<id:(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
           if rule.endpoint.startswith("own_api.") and rule.rule.startswith("/api/v1/") and "<path:" not in rule.rule}
    assert own and own <= set(paths)
    documented = {path.rsplit("/", 1)[-1] for path in paths if path.startswith("/api/3/action/")}
    assert documented == set(actions.ACTIONS)
    for name, action in actions.ACTIONS.items():
        methods = set(paths[f"/api/3/action/{name}"])
        assert methods == ({"post"} if action.write else {"get", "post"}), name


def test_the_package_schema_describes_every_catalog_field_by_its_labels(client):
    package = client.get("/api/openapi.json").get_json()["components"]["schemas"]["Package"]
    assert package["additionalProperties"] is True
    for spec in get_schema().fields:
        if spec.import_only or spec.key == "name":
            continue
        assert spec.key in package["properties"], spec.key
        assert spec.label in package["properties"][spec.key]["description"] or spec.key in (
            "id", "url", "state", "type"), spec.key
    items = package["properties"]["data_items"]["items"]["properties"]
    assert set(items) == {spec.key for spec in get_schema().item_fields}
    assert "信息资源名称" in package["properties"]["title"]["description"]


def test_own_endpoints_declare_their_parameters_answers_and_token(client):
    document = client.get("/api/openapi.json").get_json()
    listing = document["paths"]["/api/v1/share-requests"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert parameters["offset"]["schema"]["minimum"] == 0
    assert parameters["state"]["schema"]["enum"][:2] == ["submitted", "compliance_check"]
    assert set(listing["responses"]) >= {"200", "403", "409", "429"}
    assert listing["security"] == [{"apiToken": []}, {"ckanApiKey": []}]
    showing = document["paths"]["/api/v1/share-requests/{request_id}"]["get"]
    assert showing["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2147483647}
    assert "404" in showing["responses"]
    search = {p["name"]: p for p in document["paths"]["/api/3/action/package_search"]["get"]["parameters"]}
    # what is documented is exactly what the action takes: nothing it would refuse, nothing it takes unsaid
    assert set(search) == set(actions.SEARCH_PARAMETERS)
    assert search["fq_list"]["explode"] is True and search["fq_list"]["schema"]["type"] == "array"


# ---- the docs page ------------------------------------------------------------------------------------------

def test_the_docs_page_shows_every_operation_with_its_parameters_and_a_curl_example(client):
    document = client.get("/api/openapi.json").get_json()
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for item in document["paths"].values():
        for spec in item.values():
            assert f'id="{spec["operationId"]}"' in page, spec["operationId"]
            assert f'id="curl-{spec["operationId"]}"' in page
    assert ">facet.field</code>" in page and ">fq_list</code>" in page
    assert 'curl -H "Authorization: $CATALOG_TOKEN" "http://localhost/api/v1/share-requests?limit=20"' in page
    assert "/catalog.ttl" in page and "https://docs.ckan.org/" in page
    assert 'href="/account/tokens"' in page  # where a token is made
    assert 'href="/api/openapi.json"' in page


def test_the_docs_page_loads_nothing_from_elsewhere_and_has_no_inline_script_or_style(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\ssrc=\"/static/)", page) == []
    assert " style=" not in page and "<style" not in page
    assert re.findall(r"<(?:script|link|img)[^>]+(?:src|href)=\"(?:https?:)?//", page) == []


def test_every_page_links_the_docs_from_its_footer_and_the_console_shows_them_too(client, make_user):
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)
    login(client, make_user("seeker", "市民政局"))
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)
    page = client.get("/api/docs")
    assert page.status_code == 200 and 'id="console-menu"' in page.get_data(as_text=True)


# ---- schemathesis against the live app ------------------------------------------------------------------------

#: package_search's `fq` and `sort` have a syntax no JSON Schema can state: a well-typed but meaningless value is
#: CKAN's Search Query Error (400), which is the right answer, not a rejected valid input
CONFIG = textwrap.dedent("""
    [[operations]]
    include-path-regex = "^/api/3/action/package_search$"
    checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "403", "404", "409", "429"]
""")


def schemathesis_run(base_url: str, tmp_path: pathlib.Path, *extra: str) -> subprocess.CompletedProcess:
    """`st run` against the live document: every GET operation (the POST ones write, or repeat a GET), in the
    examples, coverage and fuzzing phases, positive and negative data, with every check."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [str(pathlib.Path(sys.executable).with_name("st")), "--config-file", str(config), "run",
               f"{base_url}/api/openapi.json", "--checks", "all", "--mode", "all", "--phases",
               "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
               "--include-method", "GET", "--workers", "4", "--generation-database", "none", "--no-color",
               "--request-timeout", "30", "--max-failures", "40", "--report", "junit", "--report-dir",
               str(tmp_path / "report"), *extra]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path)


@pytest.fixture
def fast_api(app):
    """The API's rate limit out of the way: the run should exercise the API, not count against its budget (the
    429 answer is documented and tested where the limit is)."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"


def test_schemathesis_finds_no_failure_for_an_anonymous_caller(api_catalog, fast_api, api_server, tmp_path):
    run = schemathesis_run(api_server, tmp_path)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
    assert "No issues found" in run.stdout or "passed" in run.stdout


def test_schemathesis_finds_no_failure_for_a_caller_with_a_token(api_catalog, api_people, fast_api, make_token,
                                                                  api_server, tmp_path):
    token = make_token(api_people["authority"])
    run = schemathesis_run(api_server, tmp_path, "--header", f"Authorization: {token}")
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
