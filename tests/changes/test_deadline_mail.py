"""Deadline notices reach people by e-mail through a real SMTP server on 127.0.0.1: who got what, once."""
from __future__ import annotations

from app import accounts, changes, outbox
from app.core.db import transaction

from .conftest import OTHER, OWN

EVENT = {"kind": "law_revision", "title": "《某市户籍管理条例》修订", "legal_source": "公告〔2026〕12号",
         "effective_on": "2026-09-25"}


def test_assignment_reminders_and_the_overdue_notice_are_mailed_once_to_whom_the_workflow_names(
        app, people, department, clock, mail_server):
    with transaction():
        for key in ("editor", "reviewer", "other_editor", "authority", "seeker"):
            accounts.set_email(people[key], f"{key}@example.gov.cn", actor=None)
    clock("2026-09-28")
    with transaction():
        changes.record_event(people["authority"], EVENT, [department(OWN).id, department(OTHER).id])
    outbox.drain()
    assert sorted(a for m in mail_server.messages for a in m.rcpt_tos) == [
        "editor@example.gov.cn", "other_editor@example.gov.cn", "reviewer@example.gov.cn"]
    assignment = mail_server.to("editor@example.gov.cn")[0]
    assert assignment.message["Subject"] == "目录更新任务：《某市户籍管理条例》修订"
    assert "2026-10-22" in assignment.body and "https://portal.example.gov.cn/changes/tasks/" in assignment.body

    for day in ("2026-10-19", "2026-10-19", "2026-10-23"):  # 3 working days before; again; the day after
        clock(day)
        with transaction():
            changes.sweep()
        outbox.drain()
        outbox.drain()
    subjects = [m.message["Subject"] for m in mail_server.to("editor@example.gov.cn")]
    assert subjects.count("请登记部门联系人：分管领导、信息共享责任人、技术实施责任人") == 1  # none registered yet
    assert [s for s in subjects if "户籍" in s] == ["目录更新任务：《某市户籍管理条例》修订", "目录更新还剩 3 个工作日：《某市户籍管理条例》修订",
                        "已逾期：市公安局 目录更新（《某市户籍管理条例》修订）"]
    authority = [m.message["Subject"] for m in mail_server.to("authority@example.gov.cn")]
    assert sorted(authority) == ["已逾期：市公安局 目录更新（《某市户籍管理条例》修订）",
                                 "已逾期：市民政局 目录更新（《某市户籍管理条例》修订）"]
    assert mail_server.to("seeker@example.gov.cn") == []
