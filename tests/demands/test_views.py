"""The demand catalog's pages through HTTP: the form's errors, the catalog with facets, the Excel export, access."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.demands import Demand
from app.extensions import db
from tests.portal.test_portal import login

from .conftest import VALUES


def token(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_filing_through_the_form_names_each_problem_then_lists_the_demand(client, people, department, clock):
    clock("2026-11-02")
    login(client, people["seeker"])
    form = {"csrf_token": token(client, "/demands/new"), **VALUES, "title": "", "items": "",
            "target_department": str(department("市公安局").id)}
    bad = client.post("/demands/new", data=form)
    assert bad.status_code == 422
    for message in ("「需求名称」为必填项", "请至少写一个所需的信息项"):
        assert message in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Demand.id))) == 0
    done = client.post("/demands/new", data={**form, "title": "<b>户籍</b>核对", "items": "姓名、公民身份号码"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;户籍&lt;/b&gt;核对" in page and "待目标部门答复" in page and "2026-11-16" in page
    listing = client.get("/demands/?q=户籍").get_data(as_text=True)
    assert '<span id="total">1</span>' in listing and 'data-count="state:awaiting">1<' in listing
    with client.get("/demands/export.xlsx?q=户籍") as export:
        sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet.max_row == 2 and sheet.cell(2, 2).value == "<b>户籍</b>核对"


def test_the_catalog_is_for_government_users_and_checks_its_query(client, people):
    assert client.get("/demands/").status_code == 302  # to the login page
    login(client, people["seeker"])
    response = client.get("/demands/?state=nonsense&target=abc")
    assert response.status_code == 422 and "状态" in response.get_data(as_text=True)


def test_an_answer_with_a_control_character_is_refused_naming_the_field(client, people, department, clock):
    from app import demands
    from app.core.db import transaction

    clock("2026-11-02")
    with transaction():
        demand = demands.file(people["seeker"], {**VALUES, "target_department": str(department("市公安局").id)})
    login(client, people["responder"])
    page_token = token(client, f"/demands/{demand.id}")
    refused = client.post(f"/demands/{demand.id}/answer_cannot",
                          data={"csrf_token": page_token, "reason": "涉密\x00", "basis": "《保守国家秘密法》"})
    assert refused.status_code == 422 and "「无法提供的理由」" in refused.get_data(as_text=True)
    assert db.session.get(Demand, demand.id).state.value == "awaiting"


def test_the_authority_sees_each_departments_open_and_overdue_demands(client, people, department, clock):
    from app import demands
    from app.core.db import transaction

    clock("2026-11-02")
    with transaction():
        demands.file(people["seeker"], {**VALUES, "target_department": str(department("市公安局").id)})
    clock("2026-11-20")  # past the 10 working days
    login(client, people["seeker"])
    assert client.get("/demands/overview").status_code == 403
    client.post("/logout", data={"csrf_token": token(client, "/")})
    login(client, people["authority"])
    html = client.get("/demands/overview").get_data(as_text=True)
    row = re.search(r">市公安局</a></th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["1", '<span class="text-danger fw-bold">1</span>', "0", "0"]
