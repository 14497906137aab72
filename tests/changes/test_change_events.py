"""Change events: each affected department's task, its working-day deadline, links, closing on time or late,
reminders ahead of the deadline and the overdue notice after it — with the clock moved, never slept."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import catalog, changes, workdays
from app.audit import AuditEntry
from app.changes import ChangeEvent, ChangeTask
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from tests.conftest import edit, valid_values

from .conftest import OTHER, OWN, notices

EVENT = {"kind": "law_revision", "title": "《某市户籍管理条例》修订", "legal_source": "某市人大常委会公告〔2026〕12号",
         "effective_on": "2026-09-25", "description": "新增居住登记事项。"}


def record(user, department, names=(OWN, OTHER), **overrides):
    with transaction():
        return changes.record_event(user, {**EVENT, **overrides}, [department(n).id for n in names])


def tasks_of(event_id):
    return {t.department.name: t for t in db.session.scalars(
        select(ChangeTask).where(ChangeTask.event_id == event_id)).all()}


def test_an_event_gives_each_department_a_task_due_15_working_days_after_it_takes_effect(
        people, department, clock):
    clock("2026-09-28")
    event = record(people["authority"], department)
    tasks = tasks_of(event.id)
    assert set(tasks) == {OWN, OTHER}
    # 9-25 is the Mid-Autumn holiday, then National Day; 10-10 (a Saturday) is a working day
    assert {t.due_on for t in tasks.values()} == {dt.date(2026, 10, 22)}
    assert all(t.working_days == 15 and not t.due_provisional for t in tasks.values())
    assert {changes.status_of(t) for t in tasks.values()} == {"due"}
    # the people who must act hear of it at once; a seeker of the other department does not
    assert notices(people["editor"]) == [(f"change_task:{tasks[OWN].id}:assigned", "目录更新任务：《某市户籍管理条例》修订")]
    assert notices(people["reviewer"])[0][0] == f"change_task:{tasks[OWN].id}:assigned"
    assert notices(people["other_editor"])[0][0] == f"change_task:{tasks[OTHER].id}:assigned"
    assert notices(people["seeker"]) == []
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["change_event.record", "change_task.assign", "change_task.assign"]


def test_the_deadline_uses_the_policy_in_force_when_the_event_is_recorded(people, department, clock, admin):
    clock("2026-09-28")
    with transaction():
        workdays.set_settings({"change_update_days": "10"}, admin)
    event = record(people["authority"], department, names=(OWN,))
    task = tasks_of(event.id)[OWN]
    assert (task.working_days, task.due_on) == (10, dt.date(2026, 10, 15))
    with transaction():
        workdays.set_settings({"change_update_days": "15"}, admin)
    assert tasks_of(event.id)[OWN].due_on == dt.date(2026, 10, 15)  # a running deadline keeps its number


def test_one_department_updates_and_closes_on_time_the_other_misses_it(people, department, clock, make_entry):
    clock("2026-09-20")
    entry = make_entry(user=people["editor"])
    clock("2026-09-28")
    event = record(people["authority"], department)
    task = tasks_of(event.id)[OWN]
    # the department revises an entry in response; the new version is offered for linking
    clock("2026-10-12")
    with transaction():
        edit(entry, valid_values(summary="增加居住登记信息。"), user=people["editor"])
        catalog.publish_directly([entry], user=people["admin"], reason="测试")
    offered = changes.services.candidates(task)
    assert [(c.kind, c.entry_id) for c in offered][:1] == [("new_version", entry.id)]
    with transaction():
        changes.link(task, people["editor"], [offered[0].token])
        changes.close(task, people["reviewer"], "")
    task = tasks_of(event.id)[OWN]
    assert (task.state.value, task.closed_on, task.late) == ("closed", dt.date(2026, 10, 12), False)
    assert changes.status_of(task) == "on_time"
    assert [link.version.number for link in task.links] == [2]

    other = tasks_of(event.id)[OTHER]
    clock("2026-10-22")
    assert changes.status_of(other) == "due"
    clock("2026-10-23")
    assert changes.status_of(other) == "overdue"
    with transaction():
        first = changes.sweep()
    with transaction():
        again = changes.sweep()
    overdue_key = f"change_task:{other.id}:overdue"
    assert overdue_key in [k for k, _ in notices(people["other_editor"])]
    assert overdue_key in [k for k, _ in notices(people["authority"])]  # the authority is told too
    assert overdue_key not in [k for k, _ in notices(people["editor"])]
    assert first.overdue >= 2 and again.overdue == 0  # told once, however often the sweep runs
    rows = {r.department.name: r for r in changes.overview()}
    assert (rows[OWN].on_time, rows[OWN].overdue) == (1, 0)
    assert (rows[OTHER].open, rows[OTHER].overdue, rows[OTHER].on_time) == (1, 1, 0)


def test_closing_after_the_deadline_is_recorded_as_late(people, department, clock):
    clock("2026-09-28")
    event = record(people["authority"], department, names=(OWN,))
    clock("2026-10-26")
    task = tasks_of(event.id)[OWN]
    with transaction():
        changes.close(task, people["editor"], "经核查，本部门目录无需调整。")
    task = tasks_of(event.id)[OWN]
    assert (task.late, changes.status_of(task)) == (True, "late")
    assert [r.late for r in changes.overview() if r.department.name == OWN] == [1]


def test_closing_with_nothing_linked_needs_a_note(people, department, clock):
    clock("2026-09-28")
    event = record(people["authority"], department, names=(OWN,))
    task = tasks_of(event.id)[OWN]
    with pytest.raises(InvalidInput) as error, transaction():
        changes.close(task, people["editor"], "  ")
    assert error.value.problems[0].path == "note"
    assert "办结说明" in error.value.problems[0].message
    assert tasks_of(event.id)[OWN].state.value == "open"


def test_reminders_go_out_at_each_offset_and_on_the_day_once_each(people, department, clock):
    clock("2026-09-28")
    event = record(people["authority"], department, names=(OWN,))
    task_id = tasks_of(event.id)[OWN].id
    sent = []
    for day in ("2026-10-15", "2026-10-16", "2026-10-19", "2026-10-20", "2026-10-21", "2026-10-21", "2026-10-22"):
        clock(day)
        with transaction():
            changes.sweep()
        sent.append([k for k, _ in notices(people["editor"], "deadline.reminder") if k.startswith("change_task")])
    # due 10-22: 3 working days before is 10-19, 1 before is 10-21; nothing earlier, nothing twice
    assert sent[0] == sent[1] == []
    assert sent[2] == [f"change_task:{task_id}:remind:3"]
    assert sent[3] == sent[2]
    assert sent[4] == sent[5] == [*sent[2], f"change_task:{task_id}:remind:1"]
    assert sent[6] == [*sent[4], f"change_task:{task_id}:remind:0"]


def test_a_deadline_into_an_unannounced_year_is_provisional_until_the_arrangement_is_entered(
        people, department, clock, admin):
    clock("2026-12-28")
    event = record(people["authority"], department, names=(OWN,), effective_on="2026-12-28")
    task = tasks_of(event.id)[OWN]
    # 2027 counts weekends only so far: 12-29..31 (3), 2027-01-01 (1), Jan 4-8 (5), 11-15 (5), 18 (1)
    assert (task.due_on, task.due_provisional) == (dt.date(2027, 1, 18), True)
    with transaction():
        workdays.set_days(start="2027-01-01", end="2027-01-01", kind="holiday", name="元旦", user=admin)
    task = tasks_of(event.id)[OWN]
    assert (task.due_on, task.due_provisional) == (dt.date(2027, 1, 19), True)
    with transaction():
        workdays.publish_year(year=2027, source="国办发明电〔2026〕1号", user=admin)
    task = tasks_of(event.id)[OWN]
    assert (task.due_on, task.due_provisional) == (dt.date(2027, 1, 19), False)


def test_departments_record_events_for_themselves_only(people, department, clock):
    clock("2026-09-28")
    with pytest.raises(PermissionDenied), transaction():
        changes.record_event(people["editor"], EVENT, [department(OWN).id, department(OTHER).id])
    assert db.session.scalar(select(func.count(ChangeEvent.id))) == 0
    event = record(people["editor"], department, names=(OWN,), kind="function_change")
    assert list(tasks_of(event.id)) == [OWN]
    with pytest.raises(PermissionDenied), transaction():
        changes.record_event(people["seeker"], EVENT, [department(OTHER).id])


def test_another_department_cannot_close_or_link_a_task(people, department, clock):
    clock("2026-09-28")
    event = record(people["authority"], department, names=(OWN,))
    task = tasks_of(event.id)[OWN]
    for user in (people["other_editor"], people["authority"], people["seeker"]):
        with pytest.raises(PermissionDenied), transaction():
            changes.close(task, user, "无需更新")
    assert tasks_of(event.id)[OWN].state.value == "open"


@pytest.mark.parametrize(("overrides", "departments", "field"), [
    ({"title": ""}, (OWN,), "title"),
    ({"kind": "earthquake"}, (OWN,), "kind"),
    ({"effective_on": "2026-13-01"}, (OWN,), "effective_on"),
    ({"effective_on": "2024-01-01"}, (OWN,), "effective_on"),
    ({"legal_source": "x" * 301}, (OWN,), "legal_source"),
    ({"title": "修订\x00"}, (OWN,), "title"),
    ({}, (), "departments"),
])
def test_bad_input_names_the_field_and_writes_nothing(people, department, clock, overrides, departments, field):
    clock("2026-09-28")
    with pytest.raises(InvalidInput) as error, transaction():
        changes.record_event(people["authority"], {**EVENT, **overrides}, [department(n).id for n in departments])
    assert field in [p.path for p in error.value.problems]
    assert db.session.scalar(select(func.count(ChangeEvent.id))) == 0
    assert db.session.scalar(select(func.count(ChangeTask.id))) == 0


def test_the_authority_reopens_a_closed_task_with_a_reason(people, department, clock):
    clock("2026-09-28")
    event = record(people["authority"], department, names=(OWN,))
    with transaction():
        changes.close(tasks_of(event.id)[OWN], people["editor"], "无需更新")
    with pytest.raises(InvalidInput), transaction():
        changes.reopen(tasks_of(event.id)[OWN], people["authority"], "")
    with transaction():
        changes.reopen(tasks_of(event.id)[OWN], people["authority"], "新增事项未登记")
    task = tasks_of(event.id)[OWN]
    assert (task.state.value, task.closed_on, task.late) == ("open", None, None)
