"""The sharing pages through HTTP: the entry page's button (or why not), the form's errors, answering, queues."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.core.db import transaction
from app.extensions import db
from app.sharing import ShareRequest
from tests.portal.test_portal import login

from .conftest import ITEMS


def token(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def logout(client):
    assert client.post("/logout", data={"csrf_token": token(client, "/")}).status_code == 302


def test_the_entry_page_offers_the_request_or_says_why_not(client, people, conditional_entry, department):
    from app import sharing

    login(client, people["seeker"])
    page = client.get(f"/entries/{conditional_entry.id}").get_data(as_text=True)
    assert f'href="/sharing/entries/{conditional_entry.id}/request">申请共享</a>' in page
    logout(client)
    login(client, people["editor"])  # the provider's own entry
    assert "这是本部门的信息资源，无需申请" in client.get(f"/entries/{conditional_entry.id}").get_data(as_text=True)
    logout(client)
    with transaction():
        sharing.suspend(department("市民政局").id, people["authority"], "逾期未更新目录")
    login(client, people["seeker"])
    page = client.get(f"/entries/{conditional_entry.id}").get_data(as_text=True)
    assert "共享权限已被主管部门限制（逾期未更新目录）" in page and "disabled" in page
    assert client.get(f"/sharing/entries/{conditional_entry.id}/request").status_code == 403


def test_the_request_form_names_each_problem_then_files_the_request(client, people, conditional_entry):
    login(client, people["seeker"])
    path = f"/sharing/entries/{conditional_entry.id}/request"
    form = {"csrf_token": token(client, path), "items": [ITEMS[0], ITEMS[1]], "purpose": "", "scenario": "核验",
            "usage_scope": "社会救助科", "period_from": "2026-11-02", "period_until": "2026-10-01",
            f"basis-{ITEMS[0]}": "《社会救助暂行办法》第十一条"}
    bad = client.post(path, data=form)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for message in ("「使用用途」为必填项", f"「“{ITEMS[1]}”的法定职权依据」为必填项", "「使用期限止」不能早于「使用期限起」"):
        assert message in html
    assert db.session.scalar(select(func.count(ShareRequest.id))) == 0
    form.update({"purpose": "低保核对", "period_until": "2027-11-01", f"basis-{ITEMS[1]}": "同上"})
    done = client.post(path, data=form)
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "待提供方答复" in page and "2026-11-16" in page


def test_the_responder_answers_from_the_queue_and_refusal_needs_a_reason(client, people, conditional_entry):
    from .conftest import ask

    request = ask(conditional_entry, people["seeker"], ITEMS[:3])
    login(client, people["responder"])
    queue = client.get("/sharing/requests?box=provider").get_data(as_text=True)
    assert f'data-request="{request.id}"' in queue
    page_token = token(client, f"/sharing/requests/{request.id}")
    refused = client.post(f"/sharing/requests/{request.id}/refuse", data={"csrf_token": page_token, "reason": ""})
    assert refused.status_code == 422 and "「拒绝理由」为必填项" in refused.get_data(as_text=True)
    client.post(f"/sharing/requests/{request.id}/refuse", data={"csrf_token": page_token, "reason": "涉及隐私"})
    assert "已拒绝" in client.get(f"/sharing/requests/{request.id}").get_data(as_text=True)
    logout(client)
    login(client, people["other_seeker"])  # a third department sees nothing of it
    assert client.get(f"/sharing/requests/{request.id}").status_code == 404


def test_the_requester_is_offered_escalation_only_once_refused(client, people, conditional_entry):
    from .conftest import ask

    request = ask(conditional_entry, people["seeker"], ITEMS[:1])
    login(client, people["seeker"])
    assert "申请协调" not in client.get(f"/sharing/requests/{request.id}").get_data(as_text=True)
    logout(client)
    login(client, people["responder"])
    page_token = token(client, f"/sharing/requests/{request.id}")
    client.post(f"/sharing/requests/{request.id}/refuse", data={"csrf_token": page_token, "reason": "涉及隐私"})
    logout(client)
    login(client, people["seeker"])
    assert "申请协调" in client.get(f"/sharing/requests/{request.id}").get_data(as_text=True)
