"""Our own endpoints (/api/v1/…): share requests, demands, change events and error reports, each answering what its
pages show the same caller — the requesting and the providing department, the authority, a third department, the
public — with paging, strict parameters (409 naming the parameter in Chinese), one 404 for hidden and missing ids,
and lists loaded in a fixed number of queries."""
from __future__ import annotations

import contextlib
import re

import pytest
from sqlalchemy import event, select

from app import changes, demands, sharing
from app.core.db import transaction
from app.extensions import db
from tests.ckan_api.conftest import PROVIDER, THIRD
from tests.portal.test_portal import login

LISTS = ("/api/v1/share-requests", "/api/v1/demands", "/api/v1/change-events", "/api/v1/error-reports")
OBJECTS = {"/api/v1/share-requests": "share_request", "/api/v1/demands": "demand", "/api/v1/change-events": "event",
           "/api/v1/error-reports": "report"}


def get(client, url: str, user_token: str | None = None):
    headers = {"Authorization": user_token} if user_token else {}
    response = client.get(url, headers=headers)
    assert response.mimetype == "application/json", (url, response.status_code)
    return response


def ids(client, url: str, token: str | None = None) -> list[int]:
    response = get(client, url, token)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()["result"]
    assert result["count"] == len(result["results"]) or "limit" in url
    return [row["id"] for row in result["results"]]


@pytest.fixture
def tokens(api_people, make_token):
    return {key: make_token(user) for key, user in api_people.items()}


# ---- who sees what ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [*LISTS, *(f"{u}/1" for u in LISTS)])
def test_the_public_is_refused_with_an_authorization_error(client, api_catalog, url):
    response = get(client, url)
    assert response.status_code == 403
    body = response.get_json()
    assert body["success"] is False and body["error"]["__type"] == "Authorization Error"
    assert "API 令牌" in body["error"]["message"]


def test_a_bad_token_is_refused_not_taken_for_the_public(client, api_catalog):
    response = get(client, "/api/v1/demands", "gcat_not-a-token-of-ours")
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "API 令牌无效"


def test_share_requests_are_seen_by_both_departments_and_the_authority_only(client, api_catalog, tokens):
    request_id = api_catalog["share_request"]
    for who in ("seeker", "responder", "editor", "authority", "admin"):
        assert ids(client, "/api/v1/share-requests", tokens[who]) == [request_id], who
        shown = get(client, f"/api/v1/share-requests/{request_id}", tokens[who])
        assert shown.status_code == 200, who
    assert ids(client, "/api/v1/share-requests", tokens["third"]) == []
    assert get(client, f"/api/v1/share-requests/{request_id}", tokens["third"]).status_code == 404


def test_a_share_request_says_what_its_page_says(client, api_catalog, tokens):
    row = get(client, f"/api/v1/share-requests/{api_catalog['share_request']}", tokens["seeker"]).get_json()["result"]
    assert row["state"] == "pending" and row["state_label"] == "待提供方答复"
    assert row["entry"] == {"id": api_catalog["entry"], "resource_code": row["entry"]["resource_code"],
                            "name": "常住人口基本信息", "version": 1}
    assert row["requester_department"]["name"] == "市民政局" and row["provider_department"]["name"] == PROVIDER
    assert row["deadline"] == {"due_on": "2026-11-16", "working_days": 10, "provisional": False, "overdue": False}
    assert [i["name"] for i in row["items"]] == ["姓名", "公民身份号码"]
    assert row["decision_note"] is None and row["grants"] == []
    assert row["url"].endswith(f"/sharing/requests/{api_catalog['share_request']}")


def test_a_refusal_and_its_reason_are_shown_to_both_departments(client, api_catalog, api_people, tokens):
    with transaction():
        row = db.session.get(sharing.ShareRequest, api_catalog["share_request"])
        sharing.refuse(row, api_people["responder"], "申请的用途超出法定职责")
    shown = get(client, f"/api/v1/share-requests/{api_catalog['share_request']}", tokens["seeker"]).get_json()
    assert shown["result"]["state"] == "refused"
    assert shown["result"]["decision_note"] == "申请的用途超出法定职责"
    assert shown["result"]["deadline"] is None and shown["result"]["decided_at"]


def test_the_overdue_filter_and_flag_follow_the_clock(client, api_catalog, tokens, clock):
    assert ids(client, "/api/v1/share-requests?overdue=true", tokens["responder"]) == []
    clock("2026-11-17")  # the day after the reply deadline
    assert ids(client, "/api/v1/share-requests?overdue=true", tokens["responder"]) == [api_catalog["share_request"]]
    row = get(client, f"/api/v1/share-requests/{api_catalog['share_request']}", tokens["responder"]).get_json()
    assert row["result"]["deadline"]["overdue"] is True
    assert ids(client, "/api/v1/error-reports?overdue=true", tokens["responder"]) == [api_catalog["report"]]


def test_error_reports_are_seen_by_the_two_departments_and_the_authority_only(client, api_catalog, tokens):
    report_id = api_catalog["report"]
    for who in ("seeker", "responder", "authority"):
        assert ids(client, "/api/v1/error-reports", tokens[who]) == [report_id], who
    assert ids(client, "/api/v1/error-reports", tokens["third"]) == []
    hidden = get(client, f"/api/v1/error-reports/{report_id}", tokens["third"])
    assert hidden.status_code == 404
    row = get(client, f"/api/v1/error-reports/{report_id}", tokens["responder"]).get_json()["result"]
    assert (row["kind"], row["items"], row["deadline"]["working_days"]) == ("data", ["公民身份号码"], 10)


def test_every_government_user_reads_the_demand_catalog(client, api_catalog, tokens):
    for who in ("seeker", "responder", "third", "authority"):
        assert ids(client, "/api/v1/demands", tokens[who]) == [api_catalog["demand"]], who
    row = get(client, f"/api/v1/demands/{api_catalog['demand']}", tokens["third"]).get_json()["result"]
    assert row["target_department"]["name"] == PROVIDER and row["urgency_label"] == "紧急"
    assert row["items"] == ["姓名", "公民身份号码", "户籍地址"] and row["deadline"]["working_days"] == 10


def test_a_change_event_shows_each_department_its_own_task_and_the_authority_all(client, api_catalog, tokens):
    event_id = api_catalog["event"]
    everything = get(client, f"/api/v1/change-events/{event_id}", tokens["authority"]).get_json()["result"]
    assert sorted(t["department"]["name"] for t in everything["tasks"]) == sorted([PROVIDER, THIRD])
    own = get(client, f"/api/v1/change-events/{event_id}", tokens["editor"]).get_json()["result"]
    assert [t["department"]["name"] for t in own["tasks"]] == [PROVIDER]
    assert own["tasks"][0]["status"] == "due" and own["tasks"][0]["deadline"]["working_days"] == 15
    # 市民政局 has no task: it neither lists nor opens the event, as its page answers 404 to it
    assert ids(client, "/api/v1/change-events", tokens["seeker"]) == []
    assert get(client, f"/api/v1/change-events/{event_id}", tokens["seeker"]).status_code == 404
    assert ids(client, f"/api/v1/change-events?department={everything['tasks'][0]['department']['id']}",
               tokens["authority"]) == [event_id]


def test_a_hidden_object_and_a_missing_one_get_the_same_answer(client, api_catalog, tokens):
    for url, key in OBJECTS.items():
        if url == "/api/v1/demands":
            continue  # every government user sees every demand
        who = "seeker" if url == "/api/v1/change-events" else "third"
        hidden = get(client, f"{url}/{api_catalog[key]}", tokens[who])
        missing = get(client, f"{url}/2147483647", tokens[who])
        assert hidden.status_code == missing.status_code == 404
        assert hidden.get_json() == missing.get_json()
        assert hidden.get_json()["error"]["__type"] == "Not Found Error"


def test_an_address_under_the_api_that_does_not_exist_is_a_json_not_found(client, tokens):
    for url in ("/api/v1/nothing", "/api/v1/share-requests/abc", "/api/v1/share-requests/1/x",
                "/api/v1/demands/99999999999"):
        response = get(client, url, tokens["seeker"])
        assert response.status_code == 404 and response.get_json()["error"]["__type"] == "Not Found Error", url


def test_a_signed_in_browser_reads_without_a_token(client, api_catalog, api_people):
    login(client, api_people["seeker"])
    assert ids(client, "/api/v1/share-requests") == [api_catalog["share_request"]]


# ---- the same rows as the pages ---------------------------------------------------------------------------------

def _page_ids(client, url: str, attribute: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [int(i) for i in re.findall(rf'{attribute}="(\d+)"', response.get_data(as_text=True))]


@pytest.mark.parametrize("who", ["seeker", "responder", "authority", "third"])
def test_the_queues_hold_what_the_queue_pages_hold(client, api_catalog, api_people, tokens, who):
    login(client, api_people[who])
    for box in sharing.policy.boxes(api_people[who]):
        assert ids(client, f"/api/v1/share-requests?box={box}", tokens[who]) == _page_ids(
            client, f"/sharing/requests?box={box}", "data-request"), (who, box)
        assert ids(client, f"/api/v1/error-reports?box={box}", tokens[who]) == _page_ids(
            client, f"/reports/?box={box}", "data-report"), (who, box)
    assert ids(client, "/api/v1/demands", tokens[who]) == _page_ids(client, "/demands/", "data-demand")


def test_a_queue_the_caller_does_not_have_is_refused(client, api_catalog, tokens):
    response = get(client, "/api/v1/share-requests?box=authority", tokens["seeker"])
    assert response.status_code == 403 and "主管部门" in response.get_json()["error"]["message"]


@pytest.fixture
def more_rows(api_catalog, api_people, department, make_entry):
    """Two of each object more (for paging), the requests and reports on a second entry; each with a deadline, as
    the first ones have (so that every row of a list reads the same things)."""
    from app.sharing import reports
    from tests.sharing.conftest import eight_items

    people = api_people
    other = make_entry(user=people["editor"], **eight_items(name="婚姻登记信息"))
    for n in range(2):
        with transaction():
            sharing.submit(other, people["third"], {
                "purpose": f"用途{n}", "scenario": "场景", "usage_scope": "市教育局", "period_from": "2026-11-02",
                "period_until": "2027-11-01", "basis-姓名": "《教育法》"}, ["姓名"])
        with transaction():
            reports.report(other, people["third"], {"kind": "metadata", "description": f"摘要有误{n}"}, [])
        with transaction():
            demands.file(people["third"], {"title": f"学生户籍信息{n}", "items": "姓名", "purpose": "入学",
                                           "scenario": "入学审核", "legal_basis": "《教育法》",
                                           "target_department": str(department(PROVIDER).id)})
        with transaction():
            changes.record_event(people["authority"], {
                "kind": "function_change", "title": f"职能调整{n}", "legal_source": "市政府令",
                "effective_on": "2026-11-02"}, [department(PROVIDER).id])
    db.session.rollback()


@pytest.mark.parametrize("url", LISTS)
def test_lists_page_with_limit_and_offset_newest_first(client, more_rows, tokens, url):
    everything = ids(client, url, tokens["admin"])
    assert len(everything) == 3
    first = get(client, f"{url}?limit=2", tokens["admin"]).get_json()["result"]
    assert first["count"] == 3 and [r["id"] for r in first["results"]] == everything[:2]
    rest = get(client, f"{url}?limit=2&offset=2", tokens["admin"]).get_json()["result"]
    assert rest["count"] == 3 and [r["id"] for r in rest["results"]] == everything[2:]
    assert get(client, f"{url}?offset=3", tokens["admin"]).get_json()["result"] == {"count": 3, "results": []}


def test_filters_narrow_the_list(client, more_rows, tokens, department):
    assert len(ids(client, "/api/v1/share-requests?state=pending", tokens["admin"])) == 3
    assert ids(client, "/api/v1/share-requests?state=granted", tokens["admin"]) == []
    assert len(ids(client, "/api/v1/error-reports?kind=metadata", tokens["admin"])) == 2
    assert len(ids(client, f"/api/v1/demands?requester={department(THIRD).id}", tokens["admin"])) == 2
    assert len(ids(client, "/api/v1/demands?q=学生", tokens["admin"])) == 2
    assert len(ids(client, f"/api/v1/demands?target={department(PROVIDER).id}", tokens["admin"])) == 3
    assert ids(client, f"/api/v1/demands?target={department(THIRD).id}", tokens["admin"]) == []
    assert len(ids(client, "/api/v1/change-events?kind=function_change", tokens["admin"])) == 2


# ---- parameters ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter, words", [
    ("limit=0", "limit", "查询参数「每页条数」（limit）须为 1～100 的整数"),
    ("limit=101", "limit", "「每页条数」（limit）"),
    ("limit=abc", "limit", "「每页条数」（limit）"),
    ("limit=", "limit", "「每页条数」（limit）"),
    ("offset=-1", "offset", "查询参数「起始位置」（offset）须为 0～2147483647 的整数"),
    ("state=closed", "state", "查询参数「申请状态」（state）须为以下之一"),
    ("overdue=1", "overdue", "查询参数「仅看逾期」（overdue）须为 true 或 false"),
    ("limit=5&limit=6", "limit", "查询参数「每页条数」（limit）只能给出一次"),
    ("page=2", "page", "不支持查询参数「page」"),
])
def test_a_bad_parameter_is_a_validation_error_naming_it(client, api_catalog, tokens, query, parameter, words):
    response = get(client, f"/api/v1/share-requests?{query}", tokens["seeker"])
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["__type"] == "Validation Error"
    assert words in error["message"]
    assert parameter in error and parameter in error["message_en"]


def test_a_control_character_in_a_search_word_is_refused(client, api_catalog, tokens):
    response = get(client, "/api/v1/demands?q=%E6%88%B7%00", tokens["seeker"])
    assert response.status_code == 409 and "「关键词」（q）" in response.get_json()["error"]["message"]


def test_a_single_object_takes_no_parameters(client, api_catalog, tokens):
    response = get(client, f"/api/v1/demands/{api_catalog['demand']}?limit=5", tokens["seeker"])
    assert response.status_code == 409 and "limit" in response.get_json()["error"]


# ---- visibility is the policy's ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["seeker", "responder", "editor", "third", "authority", "admin"])
def test_the_lists_hold_exactly_the_rows_the_policies_let_the_caller_see(client, more_rows, api_people, tokens,
                                                                         who):
    """The lists filter in SQL; the policies decide row by row. They must agree for every role."""
    user = db.session.merge(api_people[who])
    requests = db.session.scalars(select(sharing.ShareRequest).order_by(sharing.ShareRequest.id.desc())).all()
    assert ids(client, "/api/v1/share-requests", tokens[who]) == [
        r.id for r in requests if sharing.policy.can_see_request(user, r)]
    reports = db.session.scalars(select(sharing.ErrorReport).order_by(sharing.ErrorReport.id.desc())).all()
    assert ids(client, "/api/v1/error-reports", tokens[who]) == [
        r.id for r in reports if sharing.reports.policy.can_see(user, r)]
    events = db.session.scalars(select(changes.ChangeEvent)).all()
    visible = {e.id for e in events if any(changes.policy.can_see_task(user, t) for t in e.tasks)}
    assert set(ids(client, "/api/v1/change-events", tokens[who])) == visible


# ---- no N+1 -----------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def counted():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("url", LISTS)
def test_a_list_takes_the_same_number_of_queries_for_one_row_as_for_three(client, more_rows, tokens, url):
    get(client, f"{url}?limit=1", tokens["admin"])  # the token's first use is recorded once
    with counted() as one:
        assert len(get(client, f"{url}?limit=1", tokens["admin"]).get_json()["result"]["results"]) == 1
    with counted() as three:
        assert len(get(client, f"{url}?limit=3", tokens["admin"]).get_json()["result"]["results"]) == 3
    assert len(three) == len(one), "\n".join(s[:90] for s in one) + "\n\n" + "\n".join(s[:90] for s in three)
