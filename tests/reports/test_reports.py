"""Error reports through the services: reporting with the verification deadline, correcting with a later version,
"no error" only with an explanation, acceptance, escalation and resolution, the overdue sweep, and the rules that
keep impossible rows out."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import changes, sharing, workdays
from app.audit import AuditEntry
from app.core.db import transaction
from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.notifications import Notification
from app.sharing import ErrorReport, reports
from app.workflow import firing

from .conftest import ITEMS, eight_items, file_report, publish_revision


def fresh(row):
    db.session.rollback()
    return db.session.get(type(row), row.id)


def keys_of(user):
    return db.session.scalars(select(Notification.key).where(Notification.user_id == user.id)).all()


def history(row):
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "error_report",
                                                              AuditEntry.object_id == row.id)
                              .order_by(AuditEntry.id)).all()


def test_a_report_opens_with_the_verification_deadline_and_tells_the_providers_responder(people, entry):
    row = fresh(file_report(entry, people["seeker"], items=["公民身份号码", "姓名"]))
    assert (row.state.value, row.kind, row.items) == ("open", "data", ["姓名", "公民身份号码"])  # in the entry's order
    assert (row.reported_on, row.due_on, row.due_days) == (dt.date(2026, 11, 2), dt.date(2026, 11, 16), 10)
    assert (row.reporter_department.name, row.provider_department.name) == ("市民政局", "市公安局")
    assert row.version_id == entry.published_version_id
    assert f"error_report:{row.id}:reported" in keys_of(people["responder"])
    assert history(row) == ["error_report.report"]


def test_the_deadline_follows_the_policy_setting(people, entry):
    with transaction():
        workdays.set_settings({"error_verify_days": "6"}, people["admin"])  # 广州 §44: 3 + 3 working days
    row = file_report(entry, people["seeker"])
    assert fresh(row).due_on == dt.date(2026, 11, 10)


def test_a_metadata_report_may_name_no_item_but_a_data_report_must(people, entry):
    with pytest.raises(InvalidInput) as error:
        file_report(entry, people["seeker"], items=[], kind="data")
    assert [p.path for p in error.value.problems] == ["items"]
    row = file_report(entry, people["seeker"], items=[], kind="metadata", description="摘要与共享条件矛盾")
    assert (fresh(row).kind, fresh(row).items) == ("metadata", [])


def test_a_report_names_each_bad_field_and_writes_nothing(people, entry):
    with pytest.raises(InvalidInput) as error:
        file_report(entry, people["seeker"], items=["不存在的信息项"], kind="other", description="有误\x00")
    assert {p.path for p in error.value.problems} == {"items", "kind", "description"}
    assert "「疑问描述」含有不可见的控制字符（U+0000 空字符）" in " ".join(p.message for p in error.value.problems)
    assert db.session.scalar(select(func.count(ErrorReport.id))) == 0


def test_only_a_consumer_department_reports(people, entry, make_user):
    for user in (people["editor"], people["responder"], people["admin"], people["authority"]):
        with pytest.raises(PermissionDenied):
            file_report(entry, user)
    assert "这是本部门的信息资源" in reports.reporting(people["editor"], entry).reason
    assert reports.reporting(people["reporter_editor"], entry).allowed
    assert db.session.scalar(select(func.count(ErrorReport.id))) == 0


def test_correcting_links_only_a_version_of_the_entry_published_after_the_report(
        people, entry, make_entry, clock):
    first = publish_revision(entry, people, "第二版的摘要。")  # version 2, published before the report
    row = file_report(entry, people["seeker"])
    assert fresh(row).version.number == 2
    assert reports.candidates(fresh(row)) == []
    other = make_entry(user=people["editor"], **eight_items(name="另一资源"))
    for version_id in (None, first.id, fresh(entry).versions[0].id, other.published_version_id):
        with pytest.raises(InvalidInput) as error, transaction():
            reports.correct(fresh(row), people["responder"], version_id, "已更正")
        assert error.value.problems[0].path == "version"
        assert fresh(row).state.value == "open" and fresh(row).answer is None
    clock("2026-11-05")
    corrected = publish_revision(entry, people)
    assert [v.id for v in reports.candidates(fresh(row))] == [corrected.id]
    with pytest.raises(PermissionDenied), transaction():
        reports.correct(fresh(row), people["seeker"], corrected.id)
    with transaction():
        reports.correct(fresh(row), people["responder"], corrected.id, "已核对户籍底册并更正")
    row = fresh(row)
    assert (row.state.value, row.answer, row.correcting_version_id, row.late) == ("corrected", "corrected",
                                                                                  corrected.id, False)
    assert row.answered_by_id == people["responder"].id
    assert f"error_report:{row.id}:corrected" in keys_of(people["seeker"])
    with pytest.raises(PermissionDenied), transaction():
        reports.accept(fresh(row), people["responder"])
    with transaction():
        reports.accept(fresh(row), people["seeker"])
    assert fresh(row).state.value == "closed"
    assert history(row) == ["error_report.report", "error_report.correct", "error_report.accept"]
    with pytest.raises(Conflict), transaction():
        reports.escalate(fresh(row), people["seeker"], "还有问题")  # settled: a final state has no way out


def test_no_error_without_an_explanation_is_refused_naming_the_field_and_changes_nothing(people, entry):
    row = file_report(entry, people["seeker"])
    audit_rows = db.session.scalar(select(func.count(AuditEntry.id)))
    for note in ("", "   "):
        with pytest.raises(InvalidInput) as error, transaction():
            reports.reject(fresh(row), people["responder"], note)
        [problem] = error.value.problems
        assert (problem.path, problem.label) == ("note", "核查说明")
        assert "「核查说明」为必填项" in problem.message
    row = fresh(row)
    assert (row.state.value, row.answer, row.answer_note, row.answered_by_id) == ("open", None, None, None)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_rows
    with transaction():
        reports.reject(fresh(row), people["editor"], "经与户籍底册核对，该号码无误")
    row = fresh(row)
    assert (row.state.value, row.answer, row.answer_note) == ("no_error", "no_error", "经与户籍底册核对，该号码无误")
    assert f"error_report:{row.id}:no_error" in keys_of(people["seeker"])


def test_the_reporter_escalates_a_disputed_answer_and_the_authority_resolution_goes_to_both(people, entry):
    row = file_report(entry, people["seeker"])
    with transaction():
        reports.reject(fresh(row), people["responder"], "核对无误")
    with pytest.raises(PermissionDenied), transaction():
        reports.escalate(fresh(row), people["third"], "不服")
    with pytest.raises(InvalidInput) as error, transaction():
        reports.escalate(fresh(row), people["seeker"], "")
    assert error.value.problems[0].path == "reason"
    with transaction():
        reports.escalate(fresh(row), people["reporter_editor"], "我局入户核实，号码确有错误")
    row = fresh(row)
    assert (row.state.value, row.escalation_reason) == ("escalated", "我局入户核实，号码确有错误")
    assert f"error_report:{row.id}:escalated" in keys_of(people["authority"])
    with pytest.raises(PermissionDenied), transaction():
        reports.resolve(fresh(row), people["responder"], "应当更正")
    with pytest.raises(InvalidInput) as error, transaction():
        reports.resolve(fresh(row), people["authority"], " ")
    assert error.value.problems[0].path == "resolution"
    with transaction():
        reports.resolve(fresh(row), people["authority"], "经协调，提供部门应于 5 个工作日内更正")
    row = fresh(row)
    assert (row.state.value, row.resolution, row.resolved_by_id) == (
        "resolved", "经协调，提供部门应于 5 个工作日内更正", people["authority"].id)
    for person in (people["seeker"], people["responder"]):  # published to both departments
        assert f"error_report:{row.id}:resolved" in keys_of(person)
    assert history(row)[-2:] == ["error_report.escalate", "error_report.resolve"]


def test_an_unanswered_report_is_flagged_overdue_once_and_may_then_be_escalated(people, entry, clock):
    row = file_report(entry, people["seeker"])
    clock("2026-11-16")  # the last day
    with transaction():
        assert sharing.sweep().overdue == 0
    with pytest.raises(InvalidInput) as error, transaction():
        reports.escalate(fresh(row), people["seeker"], "未答复")
    assert "尚未届满" in error.value.problems[0].message
    clock("2026-11-17")
    with transaction():
        assert sharing.sweep().overdue == 2  # the provider's responder and the authority
    assert fresh(row).overdue_flagged
    for person in (people["responder"], people["authority"]):
        assert keys_of(person).count(f"error_report:{row.id}:overdue") == 1
    clock("2026-11-18")
    with transaction():
        assert sharing.sweep().overdue == 0  # once
    assert history(row) == ["error_report.report", "error_report.flag_overdue"]
    with transaction():
        reports.escalate(fresh(row), people["seeker"], "逾期未答复")
    assert (fresh(row).state.value, fresh(row).late) == ("escalated", True)


def test_answering_after_the_deadline_marks_the_report_late(people, entry, clock):
    row = file_report(entry, people["seeker"])
    clock("2026-11-20")
    with transaction():
        reports.reject(fresh(row), people["responder"], "核对无误")
    assert fresh(row).late


def test_an_open_report_blocks_nobody_s_business(people, entry, clock):
    """宝鸡 §19: while the report is open the entry is still shared, revised and published as usual."""
    file_report(entry, people["seeker"])
    values = {"purpose": "低保核对", "scenario": "审批时核验", "usage_scope": "社会救助科",
              "period_from": "2026-11-02", "period_until": "2027-11-01", f"basis-{ITEMS[0]}": "《社会救助暂行办法》"}
    with transaction():
        request = sharing.submit(fresh(entry), people["seeker"], values, [ITEMS[0]])
    assert fresh(request).state.value == "pending"
    assert publish_revision(entry, people).number == 2


def test_the_provider_desk_counts_the_reports_it_must_verify(app, people, entry, department, clock):
    file_report(entry, people["seeker"])
    file_report(entry, people["reporter_editor"], kind="metadata", items=[], description="摘要有误")

    def item(name):
        with app.test_request_context():  # the desk links with url_for
            return [t for t in changes.department_desk(department(name)).todo if t.kind == "error_report"]

    [waiting] = item("市公安局")
    assert (waiting.title, waiting.due_on, waiting.status, waiting.link) == (
        "核查数据疑问：2 件待答复", dt.date(2026, 11, 16), "due", "/reports/?box=provider")
    clock("2026-11-17")
    [waiting] = item("市公安局")
    assert (waiting.title, waiting.status) == ("核查数据疑问：2 件待答复（2 件已逾期）", "overdue")
    assert item("市民政局") == []


def test_the_database_keeps_impossible_answers_out(people, entry):
    row = file_report(entry, people["seeker"])
    for changes_ in ({"answer": "no_error", "answer_note": ""}, {"answer": "corrected"}, {"kind": "rumour"}):
        row = fresh(row)
        with pytest.raises(IntegrityError):
            for key, value in changes_.items():
                setattr(row, key, value)
            db.session.flush()
        db.session.rollback()
    row = fresh(row)
    with pytest.raises(IntegrityError), firing():
        row.state = reports.ReportState.escalated  # no reason given
        db.session.flush()
    db.session.rollback()


def test_a_deadline_into_an_unannounced_year_is_provisional_until_the_arrangement_is_entered(people, entry, clock):
    clock("2026-12-28")
    row = file_report(entry, people["seeker"])
    # 2027 counts weekends only so far: 12-29..31 (3), 2027-01-01 (1), Jan 4-8 (5), 11 (1)
    assert (fresh(row).due_on, fresh(row).due_provisional) == (dt.date(2027, 1, 11), True)
    assert workdays.provisional_counts().get(2027, 0) >= 1
    with transaction():
        workdays.set_days(start="2027-01-01", end="2027-01-01", kind="holiday", name="元旦", user=people["admin"])
    assert (fresh(row).due_on, fresh(row).due_provisional) == (dt.date(2027, 1, 12), True)
    with transaction():
        workdays.publish_year(year=2027, source="国办发明电〔2026〕1号", user=people["admin"])
    assert (fresh(row).due_on, fresh(row).due_provisional) == (dt.date(2027, 1, 12), False)
