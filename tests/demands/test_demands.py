"""Demands end to end through the services: routing and assignment, the three answers with their working-day
deadlines, the demand closing by itself when the promised entry is published, matching, overdue, the catalog."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import catalog, demands
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.demands import Demand
from app.extensions import db
from app.notifications import Notification
from app.sharing import ShareRequest

from .conftest import VALUES


def fresh(row):
    db.session.rollback()
    return db.session.get(type(row), row.id)


def keys_of(user):
    return db.session.scalars(select(Notification.key).where(Notification.user_id == user.id)).all()


def file(user, department=None, **overrides):
    values = {**VALUES, **overrides}
    if department is not None:
        values["target_department"] = str(department.id)
    with transaction():
        return demands.file(user, values)


def test_a_demand_to_a_known_department_is_answered_by_an_existing_entry(people, department, clock,
                                                                         conditional_entry):
    clock("2026-11-02")
    demand = file(people["seeker"], department("市公安局"))
    assert (demand.state.value, demand.items, demand.due_on) == ("awaiting", ["姓名", "公民身份号码", "户籍地址"],
                                                               dt.date(2026, 11, 16))
    assert f"demand:{demand.id}:target:{department('市公安局').id}" in keys_of(people["responder"])
    with pytest.raises(PermissionDenied), transaction():
        demands.answer_existing(fresh(demand), people["other_seeker"], conditional_entry.id)
    with transaction():
        demands.answer_existing(fresh(demand), people["responder"], conditional_entry.id, "可申请共享")
    demand = fresh(demand)
    assert (demand.state.value, demand.entry_id, demand.answer, demand.late) == (
        "satisfied", conditional_entry.id, "existing", False)
    assert f"demand:{demand.id}:answered" in keys_of(people["seeker"])


def test_an_undirected_demand_waits_for_the_authority_to_assign_it(people, department, clock):
    clock("2026-11-02")
    demand = file(people["seeker"])
    assert demand.state.value == "unassigned" and f"demand:{demand.id}:assign" in keys_of(people["authority"])
    with pytest.raises(PermissionDenied), transaction():
        demands.assign(fresh(demand), people["seeker"], department("市公安局").id)
    with pytest.raises(InvalidInput) as error, transaction():
        demands.assign(fresh(demand), people["authority"], "")
    assert error.value.problems[0].path == "target_department"
    with transaction():
        demands.assign(fresh(demand), people["authority"], department("市公安局").id)
    assert (fresh(demand).state.value, fresh(demand).target_department_id) == ("awaiting", department("市公安局").id)


def test_will_register_closes_by_itself_when_the_entry_is_published(people, department, clock, make_entry, admin):
    clock("2026-11-02")
    demand = file(people["seeker"], department("市公安局"))
    with transaction():
        demands.answer_register(fresh(demand), people["responder"], "将登记车辆信息")
    assert (fresh(demand).state.value, fresh(demand).due_on) == ("registering", dt.date(2026, 11, 23))  # 15 WD
    draft = make_entry(publish=False, user=people["editor"], name="户籍地址信息")
    with transaction():
        demands.link_entry(fresh(demand), people["editor"], draft.id)
    assert fresh(demand).state.value == "registering"
    clock("2026-11-10")
    with transaction():
        catalog.publish_directly([db.session.get(catalog.Entry, draft.id)], user=admin, reason="测试")
    demand = fresh(demand)
    assert (demand.state.value, demand.closed_on, demand.late) == ("satisfied", dt.date(2026, 11, 10), False)
    assert f"demand:{demand.id}:fulfilled" in keys_of(people["seeker"])


def test_cannot_provide_needs_a_reason_and_a_basis(people, department, clock):
    clock("2026-11-02")
    demand = file(people["seeker"], department("市公安局"))
    with pytest.raises(InvalidInput) as error, transaction():
        demands.answer_cannot(fresh(demand), people["responder"], "", "")
    assert {p.path for p in error.value.problems} == {"reason", "basis"}
    assert fresh(demand).state.value == "awaiting"
    with transaction():
        demands.answer_cannot(fresh(demand), people["responder"], "涉及国家秘密", "《保守国家秘密法》第九条")
    assert (fresh(demand).state.value, fresh(demand).answer_basis) == ("refused", "《保守国家秘密法》第九条")


def test_an_overdue_demand_is_flagged_once_and_counted_for_its_department(people, department, clock):
    clock("2026-11-02")
    demand = file(people["seeker"], department("市公安局"))
    clock("2026-11-17")
    with transaction():
        assert demands.sweep() >= 2
    with transaction():
        assert demands.sweep() == 0
    assert f"demand:{demand.id}:overdue:awaiting" in keys_of(people["authority"])
    [row] = [r for r in demands.overview() if r["department"] == "市公安局"]
    assert (row["open"], row["overdue"]) == (1, 1)
    with transaction():
        demands.answer_register(fresh(demand), people["responder"])
    assert fresh(demand).late is True  # answered after its deadline


def test_a_proposed_entry_becomes_a_share_request_in_one_step(people, department, clock, conditional_entry):
    clock("2026-11-02")
    demand = file(people["seeker"], department("市公安局"), title="常住人口基本信息", items="姓名、公民身份号码、户籍地址")
    [first, *_] = demands.proposals(fresh(demand))
    assert first.entry_id == conditional_entry.id and first.matching == ["姓名", "公民身份号码", "户籍地址"]
    with transaction():
        request = demands.match(fresh(demand), people["seeker"], conditional_entry.id)
    request = db.session.get(ShareRequest, request.id)
    assert request.item_names == ["姓名", "公民身份号码", "户籍地址"] and request.state.value == "pending"
    assert all(i["basis"] == VALUES["legal_basis"] for i in request.items)
    demand = fresh(demand)
    assert (demand.state.value, demand.share_request_id, demand.answer) == ("satisfied", request.id, "matched")


def test_bad_input_names_the_field_and_writes_nothing(people, department):
    with pytest.raises(InvalidInput) as error, transaction():
        demands.file(people["seeker"], {**VALUES, "title": "", "items": "", "urgency": "very",
                                        "target_department": str(department("市民政局").id)})
    assert {"title", "items", "urgency", "target_department"} <= {p.path for p in error.value.problems}
    assert db.session.scalar(select(func.count(Demand.id))) == 0


def test_the_catalog_counts_and_its_export_match_the_database(people, department, clock, make_user):
    clock("2026-11-02")
    for n in range(3):
        file(people["seeker"], department("市公安局"), title=f"需求{n}")
    file(people["seeker"])
    file(make_user("seeker", "市教育局"), department("市公安局"), title="学生户籍核对")
    page = demands.services.catalog_page({})
    assert page.total == db.session.scalar(select(func.count(Demand.id))) == 5
    target = dict((v, n) for v, _label, n, _s in page.facets["target"])
    assert target[str(department("市公安局").id)] == 4
    states = dict((v, n) for v, _label, n, _s in page.facets["state"])
    assert states == {"awaiting": 4, "unassigned": 1}
    filtered = demands.services.catalog_page({"target": department("市公安局").id, "q": "户籍"})
    assert filtered.total == 4  # every demand needs 户籍地址; one is also named 户籍
    sheet = load_workbook(io.BytesIO(demands.export({"requester": department("市民政局").id}))).active
    assert sheet.max_row - 1 == db.session.scalar(select(func.count(Demand.id)).where(
        Demand.requester_department_id == department("市民政局").id)) == 4
    assert [c.value for c in sheet[1]][:3] == ["编号", "需求名称", "所需信息项"]


def test_the_requester_withdraws(people, department, clock):
    demand = file(people["seeker"], department("市公安局"))
    with pytest.raises(PermissionDenied), transaction():
        demands.withdraw(fresh(demand), people["responder"])
    with transaction():
        demands.withdraw(fresh(demand), people["seeker"])
    assert fresh(demand).state.value == "withdrawn"


def test_a_formula_in_a_title_is_exported_as_text(people, department):
    file(people["seeker"], department("市公安局"), title="=HYPERLINK(\"x\")")
    sheet = load_workbook(io.BytesIO(demands.export({}))).active
    assert sheet.cell(2, 2).value == "'=HYPERLINK(\"x\")" and sheet.cell(2, 2).data_type == "s"
