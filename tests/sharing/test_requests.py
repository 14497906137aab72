"""Share requests end to end through the services: routing, answers within working-day deadlines, escalation and
ruling, suspensions, cross-district forwarding, the compliance step — and grants provisioned, failed, retried,
expired and revoked at a real exchange platform on 127.0.0.1."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import outbox, sharing, workdays
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.notifications import Notification
from app.sharing import Grant, ShareRequest

from .conftest import ITEMS, ask, eight_items, make_ready_now


def fresh(row):
    db.session.rollback()
    return db.session.get(type(row), row.id)


def keys_of(user):
    return db.session.scalars(select(Notification.key).where(Notification.user_id == user.id)).all()


def test_a_conditional_request_approved_in_part_is_provisioned_with_only_the_approved_items(
        people, conditional_entry, exchange, clock):
    request = ask(conditional_entry, people["seeker"], ITEMS[:3])
    assert (request.state.value, request.due_on) == ("pending", dt.date(2026, 11, 16))  # 10 working days
    assert f"share_request:{request.id}:to_provider" in keys_of(people["responder"])
    clock("2026-11-09")
    with transaction():
        grant = sharing.approve(fresh(request), people["responder"],
                                {"usage_scope": "社会救助科", "note": "仅限核对，不得留存"}, ITEMS[:2])
    grant = fresh(grant)
    assert (grant.state.value, grant.items, grant.adapter) == ("provisioning", ITEMS[:2], "exchange_http")
    assert exchange.subscriptions == {}  # nothing is sent inside the request that approved it
    outbox.drain()
    grant = fresh(grant)
    assert grant.state.value == "active" and grant.activated_on == dt.date(2026, 11, 9) and not grant.late
    [(key, body)] = exchange.subscriptions.items()
    assert key == f"grant-{grant.id}" and body["items"] == ITEMS[:2]
    assert all(r.signed for r in exchange.requests)
    assert fresh(request).state.value == "granted" and fresh(request).decision_note == "仅限核对，不得留存"

    clock("2027-11-02")  # the day after the period ends
    with transaction():
        assert sharing.sweep().expired == 1
    outbox.drain()
    assert fresh(grant).state.value == "expired" and fresh(grant).revoked_at_adapter is not None
    assert exchange.subscriptions == {}


def test_an_unconditional_entry_is_granted_at_once(people, make_entry, exchange, clock):
    clock("2026-11-02")
    entry = make_entry(user=people["editor"], **eight_items(sharing_type="unconditional", sensitivity=[],
                                                            sharing_condition=None))
    request = ask(entry, people["seeker"], ITEMS[:1], **{f"basis-{ITEMS[0]}": ""})  # no basis needed
    assert fresh(request).state.value == "granted"
    outbox.drain()
    assert [g.state.value for g in fresh(request).grants] == ["active"]


def test_refusing_needs_a_reason_and_the_requester_may_then_escalate(people, conditional_entry, clock):
    request = ask(conditional_entry, people["seeker"], ITEMS[:3])
    with pytest.raises(InvalidInput) as error, transaction():
        sharing.refuse(fresh(request), people["responder"], "  ")
    assert error.value.problems[0].path == "reason" and "拒绝理由" in error.value.problems[0].message
    assert fresh(request).state.value == "pending"
    with transaction():
        sharing.refuse(fresh(request), people["responder"], "涉及个人隐私，须经当事人授权")
    with transaction():
        sharing.escalate(fresh(request), people["seeker"], "核对低保对象属法定职责")
    assert fresh(request).state.value == "escalated"
    with transaction():
        grant = sharing.rule(fresh(request), people["authority"], share=True, ruling="经协调，应当共享姓名、公民身份号码",
                             chosen=ITEMS[:2])
    assert fresh(request).ruling.startswith("经协调") and fresh(grant).items == ITEMS[:2]
    for person in (people["seeker"], people["responder"]):  # the ruling is published to both departments
        assert f"share_request:{request.id}:ruling" in keys_of(person)


def test_an_unanswered_request_is_overdue_flagged_and_can_be_escalated_only_then(people, conditional_entry, clock):
    request = ask(conditional_entry, people["seeker"], ITEMS[:3])
    clock("2026-11-16")
    with pytest.raises(InvalidInput) as error, transaction():
        sharing.escalate(fresh(request), people["seeker"], "未答复")
    assert "答复期限尚未届满" in error.value.problems[0].message
    clock("2026-11-17")
    with transaction():
        result = sharing.sweep()
    assert result.overdue >= 2  # the provider's responder and the authority
    assert f"share_request:{request.id}:overdue:pending" in keys_of(people["authority"])
    with transaction():
        sharing.escalate(fresh(request), people["seeker"], "逾期未答复")
    assert (fresh(request).state.value, fresh(request).late) == ("escalated", True)
    with transaction():
        sharing.rule(fresh(request), people["authority"], share=False, ruling="该信息项涉及国家秘密，不予共享")
    assert fresh(request).state.value == "ruled_not_shared"


def test_a_not_shared_entry_goes_to_the_authority(people, make_entry, clock):
    clock("2026-11-02")
    entry = make_entry(user=people["editor"], **{**eight_items(
        sharing_type="not_shared", sharing_condition=None, non_sharing_basis="《保守国家秘密法》第九条"),
        "sharing_method_category": None, "sharing_method_type": None})
    request = ask(entry, people["seeker"], ITEMS[:1])
    assert fresh(request).state.value == "escalated"


def test_a_suspended_department_cannot_ask(people, conditional_entry, department, clock):
    with transaction():
        sharing.suspend(department("市民政局").id, people["authority"], "逾期未更新目录")
    assert "共享权限已被主管部门限制" in sharing.asking(people["seeker"], conditional_entry).reason
    with pytest.raises(PermissionDenied), transaction():
        ask(conditional_entry, people["seeker"], ITEMS[:1])
    assert db.session.scalar(select(func.count(ShareRequest.id))) == 0
    with pytest.raises(PermissionDenied), transaction():
        sharing.suspend(department("市教育局").id, people["seeker"], "x")
    suspension = sharing.services.suspension_of(department("市民政局").id)
    with transaction():
        sharing.lift(db.session.get(sharing.Suspension, suspension.id), people["authority"], "已整改")
    assert sharing.asking(people["seeker"], conditional_entry).allowed


def test_a_district_department_asking_across_districts_goes_through_the_platform(
        people, conditional_entry, make_user, clock):
    district_user = make_user("seeker", "东城区民政局")
    request = ask(conditional_entry, district_user, ITEMS[:2])
    assert (fresh(request).state.value, fresh(request).cross_district) == ("forwarding", True)
    assert fresh(request).due_on == dt.date(2026, 11, 9)  # 5 working days (广州 §37)
    with pytest.raises(PermissionDenied), transaction():
        sharing.forward(fresh(request), people["responder"])
    with transaction():
        sharing.forward(fresh(request), people["authority"])
    assert (fresh(request).state.value, fresh(request).due_on) == ("pending", dt.date(2026, 11, 16))


def test_the_optional_compliance_check_comes_first(app, people, conditional_entry, clock):
    app.config["SHARING_COMPLIANCE_CHECK"] = True
    request = ask(conditional_entry, people["seeker"], ITEMS[:2])
    assert (fresh(request).state.value, fresh(request).due_on) == ("compliance_check", dt.date(2026, 11, 4))
    with pytest.raises(InvalidInput), transaction():
        sharing.reject_check(fresh(request), people["authority"], "")
    with transaction():
        sharing.pass_check(fresh(request), people["authority"])
    assert fresh(request).state.value == "pending"


def test_a_request_names_each_bad_field_and_writes_nothing(people, conditional_entry):
    with pytest.raises(InvalidInput) as error, transaction():
        ask(conditional_entry, people["seeker"], [ITEMS[0], "不存在的信息项"], purpose="",
            period_until="2026-01-01", **{f"basis-{ITEMS[0]}": ""})
    paths = {p.path for p in error.value.problems}
    assert {"items", f"basis-{ITEMS[0]}", "purpose", "period_until"} <= paths
    assert db.session.scalar(select(func.count(ShareRequest.id))) == 0


def test_a_platform_down_for_a_while_loses_nothing_and_sends_nothing_twice(people, conditional_entry, exchange):
    exchange.unavailable = True
    request = ask(conditional_entry, people["seeker"], ITEMS[:3])
    with transaction():
        grant = sharing.approve(fresh(request), people["responder"], {}, ITEMS[:3])
    result = outbox.drain()
    grant = fresh(grant)
    assert result.failed == 1 and grant.state.value == "failed" and grant.attempts == 1
    assert "交换平台" in grant.last_error
    assert outbox.drain().handled == 0  # backing off
    exchange.unavailable = False
    make_ready_now()
    assert outbox.drain().handled == 1
    outbox.drain()
    grant = fresh(grant)
    assert grant.state.value == "active" and grant.last_error is None
    posts = [r for r in exchange.requests if r.method == "POST" and r.status < 300]
    assert len(posts) == 1 and list(exchange.subscriptions) == [f"grant-{grant.id}"]


def test_a_refusing_adapter_fails_the_grant_until_fixed_and_retried_by_hand(app, people, conditional_entry, exchange):
    app.config["EXCHANGE_URL"] = ""
    app.extensions.pop("catalog_adapters", None)
    request = ask(conditional_entry, people["seeker"], ITEMS[:2])
    with transaction():
        grant = sharing.approve(fresh(request), people["responder"], {}, ITEMS[:2])
    outbox.drain()
    grant = fresh(grant)
    assert grant.state.value == "failed" and "CATALOG_EXCHANGE_URL" in grant.last_error
    make_ready_now()
    assert outbox.drain().handled == 0  # not retried by itself: the same call would be refused again
    app.config["EXCHANGE_URL"] = exchange.url
    app.extensions.pop("catalog_adapters", None)
    with pytest.raises(PermissionDenied), transaction():
        sharing.retry(fresh(grant), people["seeker"])
    with transaction():
        sharing.retry(fresh(grant), people["responder"])
    outbox.drain()
    assert fresh(grant).state.value == "active" and len(exchange.subscriptions) == 1


def test_the_provider_revokes_early_with_a_reason(people, conditional_entry, exchange):
    request = ask(conditional_entry, people["seeker"], ITEMS[:2])
    with transaction():
        grant = sharing.approve(fresh(request), people["responder"], {}, ITEMS[:2])
    outbox.drain()
    with pytest.raises(InvalidInput), transaction():
        sharing.revoke(fresh(grant), people["responder"], "")
    with pytest.raises(PermissionDenied), transaction():
        sharing.revoke(fresh(grant), people["seeker"], "不需要了")
    with transaction():
        sharing.revoke(fresh(grant), people["responder"], "使用部门超范围使用")
    outbox.drain()
    assert fresh(grant).state.value == "revoked" and exchange.subscriptions == {}
    assert db.session.scalar(select(func.count(Grant.id))) == 1


def test_a_resource_already_on_the_platform_takes_the_platform_reply_deadline(people, conditional_entry, admin):
    with transaction():
        workdays.set_settings({"share_reply_days_on_platform": "5"}, admin)
    request = ask(conditional_entry, people["seeker"], ITEMS[:1])  # 共享平台方式: on the platform
    assert (fresh(request).on_platform, fresh(request).due_on) == (True, dt.date(2026, 11, 9))  # 5 WD, not 10
