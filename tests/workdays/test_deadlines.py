"""The deadline policy (期限设置): defaults with their articles, edits audited, bad input refused whole."""
import pytest
from sqlalchemy import select

from app import workdays
from app.audit import AuditEntry
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.workdays import DeadlineSetting
from tests.catalog.test_views import token
from tests.portal.test_portal import login

DEFAULTS = {"change_update_days": 15, "share_reply_days": 10, "share_provide_days": 5, "error_verify_days": 10,
            "contacts_change_days": 5, "maintenance_period_months": 3, "log_retention_years": 3,
            "review_step_days": 5, "reminder_offsets": (3, 1), "share_reply_days_on_platform": 10,
            "share_compliance_days": 2, "share_forward_days": 5, "demand_answer_days": 10,
            "demand_register_days": 15}


def test_defaults(app):
    assert {key: workdays.setting(key) for key in workdays.SETTING_KEYS} == DEFAULTS


def test_every_default_names_its_source(app):
    for declared in workdays.SETTINGS:
        assert declared.basis.startswith("依据《") or declared.basis == "无规定，系统默认值", declared.key
    bases = {s.key: s.basis for s in workdays.SETTINGS}
    assert bases["change_update_days"] == "依据《宝鸡市政务信息资源共享管理暂行办法》第十条"
    assert bases["share_reply_days"] == "依据《宝鸡市政务信息资源共享管理暂行办法》第十六条"
    assert bases["error_verify_days"] == "依据《四川省政务信息资源共享管理实施细则》第二十四条"
    assert bases["contacts_change_days"] == "依据《广州市政府信息共享管理规定实施细则》第三十四条"


def test_the_page_shows_defaults_articles_and_other_rules(client, admin):
    login(client, admin)
    html = client.get("/admin/deadlines").get_data(as_text=True)
    assert "法律法规修订或职能变化后更新目录" in html and "15 个工作日" in html
    assert "依据《宝鸡市政务信息资源共享管理暂行办法》第二十一条（不少于 3 年）" in html
    assert "《山东省政务信息资源共享管理办法》第二十六条：5 年" in html
    assert "3 + 3 个工作日" in html
    assert "到期前 3、1 个工作日" in html
    assert "已经在计时的期限保持原来的到期日" in html
    assert '<label class="form-label" for="review_step_days">' in html
    assert "尚未修改过" in html


def test_an_edit_is_saved_audited_and_shown(client, admin):
    login(client, admin)
    page = client.get("/admin/deadlines").get_data(as_text=True)
    response = client.post("/admin/deadlines", data={"csrf_token": token(page), "review_step_days": "3",
                                                      "reminder_offsets": "1， 5", "log_retention_years": "3"})
    assert response.status_code == 302
    assert workdays.setting("review_step_days") == 3
    assert workdays.setting("reminder_offsets") == (5, 1)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "deadline_setting.change")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.details["key"], e.details["before"], e.details["after"], e.actor_id) for e in entries] == [
        ("review_step_days", "5", "3", admin.id), ("reminder_offsets", "3,1", "5,1", admin.id)]
    html = client.get("/admin/deadlines").get_data(as_text=True)
    assert "已保存 2 项期限设置" in html
    assert "期限设置「审核环节处理时限」：5 个工作日 → 3 个工作日" in html


@pytest.mark.parametrize("field, value, message", [
    ("share_reply_days", "0", "「答复有条件共享申请」不能为 0，须为 1 至 250 之间的整数"),
    ("share_reply_days", "-1", "「答复有条件共享申请」不能为 -1，须为 1 至 250 之间的整数"),
    ("log_retention_years", "abc", "「日志保留年限」“abc”不是整数，须为 1 至 30 之间的整数"),
    ("reminder_offsets", "3,3", "「到期提醒」“3,3”中有重复的天数"),
    ("maintenance_period_months", "5", "「目录全面维护周期」不能为 5，可选 1、2、3、4、6、12"),
])
def test_bad_input_names_the_field_and_changes_nothing(client, admin, field, value, message):
    login(client, admin)
    page = client.get("/admin/deadlines").get_data(as_text=True)
    response = client.post("/admin/deadlines", data={"csrf_token": token(page), "review_step_days": "7",
                                                      field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html and 'is-invalid' in html
    assert f'value="{value}"' in html or field == "maintenance_period_months"  # what was typed stays
    assert db.session.scalar(select(DeadlineSetting)) is None  # the good value was not written either
    assert workdays.setting("review_step_days") == 5
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "deadline_setting.change")) is None


def test_the_service_refuses_unknown_keys_and_non_admins(app, admin, make_user):
    with pytest.raises(InvalidInput) as raised:
        workdays.set_settings({"nonsense": "1"}, admin)
    assert "nonsense" in raised.value.by_field()
    with pytest.raises(PermissionDenied):
        workdays.set_settings({"review_step_days": "3"}, make_user("authority_reviewer", "市政务服务数据管理局"))


def test_an_unchanged_value_is_not_written(app, admin):
    with transaction():
        assert workdays.set_settings({"review_step_days": "5", "share_reply_days": " 10 "}, admin) == []
    assert db.session.scalar(select(DeadlineSetting)) is None


def test_a_change_is_signalled(app, admin):
    heard = []

    def listener(sender, **kwargs):
        heard.append((kwargs["keys"], workdays.setting("share_reply_days")))

    workdays.deadline_policy_changed.connect(listener)
    try:
        with transaction():
            workdays.set_settings({"share_reply_days": "7"}, admin)
    finally:
        workdays.deadline_policy_changed.disconnect(listener)
    assert heard == [(frozenset({"share_reply_days"}), 7)]


def test_who_may_open_the_deadline_page(client, make_user):
    assert client.get("/admin/deadlines").status_code == 302  # to sign in
    login(client, make_user("editor", "市公安局"))
    assert client.get("/admin/deadlines").status_code == 403


def test_the_authority_reads_but_cannot_edit(client, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    page = client.get("/admin/deadlines")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "修改期限" not in html and "依据《" in html
    response = client.post("/admin/deadlines", data={"csrf_token": token(html), "review_step_days": "3"})
    assert response.status_code == 403
    assert workdays.setting("review_step_days") == 5
