"""API fixtures: the test's app served on 127.0.0.1 (what the ckanapi client, schemathesis and harvesters talk to),
API tokens, and a small catalog with one of each of our own endpoints' objects, made through the services."""
from __future__ import annotations

import pytest

from app.core.db import transaction
from app.extensions import db

PROVIDER, REQUESTER, THIRD, AUTHORITY = "市公安局", "市民政局", "市教育局", "市政务服务数据管理局"
#: an entry of the open catalog (what the public reads through the CKAN actions)
OPEN = {"category_code": "201001", "sensitivity": [], "sharing_type": "unconditional", "sharing_condition": None,
        "open_to_public": True, "open_condition": "无条件开放，注明来源即可"}


@pytest.fixture
def api_server(live_server):
    """The test's app on 127.0.0.1 (the shared `live_server`), for the ckanapi client, schemathesis and harvesters."""
    return live_server


@pytest.fixture
def make_token():
    """`make_token(user, name="测试令牌")`: a new API token of the user, made as the account page makes it; the raw
    token (what a client sends)."""
    from app import accounts

    def make(user, name: str = "测试令牌") -> str:
        with transaction():
            _row, raw = accounts.create_token(user, name)
        return raw

    return make


@pytest.fixture
def api_people(make_user):
    """A requesting department's seeker (市民政局), the provider's responder and editor (市公安局), a third
    department's seeker (市教育局, who must see none of their business), the authority and an admin."""
    return {
        "seeker": make_user("seeker", REQUESTER),
        "responder": make_user("responder", PROVIDER),
        "editor": make_user("editor", PROVIDER),
        "third": make_user("seeker", THIRD),
        "authority": make_user("authority_reviewer", AUTHORITY),
        "admin": make_user("admin", AUTHORITY),
    }


@pytest.fixture
def api_catalog(make_entry, api_people, department, clock):
    """An open entry and a conditional 8-item entry of 市公安局, and on the latter a share request and an error
    report of 市民政局; a demand of 市民政局 addressed to 市公安局; a change event for 市公安局 and 市教育局."""
    from app import changes, demands, sharing
    from app.sharing import reports
    from tests.sharing.conftest import eight_items

    clock("2026-11-02")  # a Monday
    people = api_people
    open_entry = make_entry(user=people["editor"], **OPEN, name="空气质量监测日报", keywords=["环境", "空气"])
    entry = make_entry(user=people["editor"], **eight_items())
    items = ["姓名", "公民身份号码"]
    with transaction():
        share_request = sharing.submit(entry, people["seeker"], {
            "purpose": "低保对象家庭经济状况核对", "scenario": "社会救助审批时核验申请人身份",
            "usage_scope": "市民政局社会救助科", "period_from": "2026-11-02", "period_until": "2027-11-01",
            **{f"basis-{n}": "《社会救助暂行办法》第十一条" for n in items}}, items)
    with transaction():
        report = reports.report(entry, people["seeker"], {"kind": "data", "description": "张三的公民身份号码少一位"},
                                ["公民身份号码"])
    with transaction():
        demand = demands.file(people["seeker"], {
            "title": "低保申请人户籍信息", "items": "姓名、公民身份号码\n户籍地址", "purpose": "低保审核",
            "scenario": "社会救助审批时核对申请人户籍", "legal_basis": "《社会救助暂行办法》第十一条",
            "urgency": "urgent", "target_department": str(department(PROVIDER).id)})
    with transaction():
        event = changes.record_event(people["authority"], {
            "kind": "law_revision", "title": "《户口登记条例》修订", "legal_source": "国务院令第 1 号",
            "description": "户籍登记事项调整", "effective_on": "2026-11-02"},
            [department(PROVIDER).id, department(THIRD).id])
    made = {"open_entry": open_entry.id, "entry": entry.id, "share_request": share_request.id, "report": report.id,
            "demand": demand.id, "event": event.id}
    db.session.rollback()
    return made
