"""Quarterly attestations, department contacts and entry freshness: computed, shown, reminded, flagged."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import catalog, changes, indexing, outbox
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.org import DepartmentContact, current_contacts
from search.query import SearchQuery
from tests.conftest import edit, valid_values

from .conftest import OTHER, OWN, notices

# ---- quarterly maintenance ----------------------------------------------------------------------------------


def test_quarters_and_their_attestation_on_time_or_late(people, department, clock, make_entry):
    own = department(OWN).id
    clock("2026-08-10")
    make_entry(user=people["editor"])  # the catalog exists from Q3
    clock("2026-10-10")
    make_entry(user=people["editor"], name="居住证信息")  # a new entry in Q4
    clock("2026-11-30")
    statuses = changes.services.maintenance_status(own)
    assert [(p.label, p.status) for p in statuses[:3]] == [
        ("2026 年第 4 季度", "due"), ("2026 年第 3 季度", "overdue"), ("2026 年第 2 季度", "not_owed")]
    # Q3 was missed: attesting it now is late; Q4 is on time
    with transaction():
        late = changes.attest(own, people["reviewer"], period_start="2026-07-01", note="补充确认")
        on_time = changes.attest(own, people["editor"], period_start="2026-10-01")
    assert (late.late, on_time.late) == (True, False)
    assert on_time.summary == {"new_entries": 1, "revisions": 0, "retired": 0, "published_total": 2}
    assert [p.status for p in changes.services.maintenance_status(own)[:2]] == ["on_time", "late"]
    # once per period; another department may not attest for this one; Q2 is too old to attest now
    with pytest.raises(InvalidInput), transaction():
        changes.attest(own, people["editor"], period_start="2026-10-01")
    with pytest.raises(PermissionDenied), transaction():
        changes.attest(own, people["other_editor"], period_start="2026-10-01")
    with pytest.raises(InvalidInput), transaction():
        changes.attest(department(OTHER).id, people["other_editor"], period_start="2026-04-01")


def test_the_summary_counts_the_quarters_revisions_and_retirements(people, department, clock, make_entry):
    clock("2026-06-20")
    first, second = make_entry(user=people["editor"]), make_entry(user=people["editor"], name="居住证信息")
    clock("2026-08-03")
    with transaction():
        edit(first, valid_values(summary="修订。"), user=people["editor"])
        catalog.publish_directly([first], user=people["admin"], reason="测试")
        catalog.retire([second], user=people["editor"], reason="职能调整")
    summary = changes.services.period_summary(department(OWN).id, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert summary == {"new_entries": 0, "revisions": 1, "retired": 1, "published_total": 1}


def test_a_missing_attestation_is_reminded_then_flagged(people, department, clock, make_entry):
    clock("2026-09-01")
    make_entry(user=people["editor"])
    clock("2026-12-28")  # 3 working days before 12-31
    with transaction():
        changes.sweep()
    keys = [k for k, _ in notices(people["editor"])]
    own = department(OWN).id
    assert f"maintenance:{own}:2026-10-01:remind:3" in keys
    assert f"maintenance:{own}:2026-07-01:overdue" in keys  # Q3 was never attested
    clock("2027-01-04")
    with transaction():
        changes.sweep()
    assert f"maintenance:{own}:2026-10-01:overdue" in [k for k, _ in notices(people["authority"])]
    # 市民政局 has no catalog yet: it owes no maintenance and hears nothing of it
    assert not [k for k, _ in notices(people["other_editor"]) if k.startswith("maintenance:")]


# ---- contacts -----------------------------------------------------------------------------------------------

CONTACTS = {
    "leader-name": "王建国", "leader-position": "副局长", "leader-phone": "020-83123456", "leader-email": "wang@example.gov.cn",
    "sharing_officer-name": "李敏", "sharing_officer-phone": "138 0013 8000", "sharing_officer-email": "li@example.gov.cn",
    "technical-name": "陈工", "technical-phone": "(0917)3212345", "technical-email": "chen@example.gov.cn",
}


def test_contacts_are_registered_with_their_deadline(people, department, clock):
    own = department(OWN).id
    clock("2026-10-12")
    with transaction():
        rows = changes.register_contacts(own, people["editor"], {**CONTACTS, "changed_on": "2026-09-30"})
    # changed 9-30, then National Day: 5 working days end on 10-13 (10-10, a Saturday, is a working day)
    assert {(r.role, r.due_on, r.on_time) for r in rows} == {
        ("leader", dt.date(2026, 10, 13), True), ("sharing_officer", dt.date(2026, 10, 13), True),
        ("technical", dt.date(2026, 10, 13), True)}
    current = current_contacts(own)
    assert (current["sharing_officer"].phone, current["technical"].phone) == ("13800138000", "0917-3212345")
    # a later change reported too late
    clock("2026-11-30")
    with transaction():
        [row] = changes.register_contacts(own, people["reviewer"], {**CONTACTS, "sharing_officer-name": "赵强",
                                                                    "changed_on": "2026-11-20"})
    assert (row.role, row.due_on, row.on_time) == ("sharing_officer", dt.date(2026, 11, 27), False)
    assert current_contacts(own)["sharing_officer"].name == "赵强"
    assert [r.contacts_late for r in changes.overview() if r.department.name == OWN] == [1]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("leader-phone", "12345", "不是有效号码"),
    ("leader-phone", "83123456", "固定电话须带区号"),
    ("leader-email", "wang-at-example", "不是有效的电子邮箱地址"),
    ("leader-name", "", "「分管领导姓名」为必填项"),
])
def test_bad_contacts_are_refused_naming_the_field(people, department, clock, field, value, message):
    clock("2026-10-12")
    with pytest.raises(InvalidInput) as error, transaction():
        changes.register_contacts(department(OWN).id, people["editor"], {**CONTACTS, field: value})
    problem = next(p for p in error.value.problems if p.path == field)
    assert message in problem.message
    assert db.session.scalar(select(func.count(DepartmentContact.id))) == 0


def test_registering_nothing_new_is_an_error_and_others_may_not(people, department, clock):
    clock("2026-10-12")
    own = department(OWN).id
    with transaction():
        changes.register_contacts(own, people["editor"], CONTACTS)
    with pytest.raises(InvalidInput) as error, transaction():
        changes.register_contacts(own, people["editor"], CONTACTS)
    assert "没有变化" in error.value.problems[0].message
    with pytest.raises(PermissionDenied), transaction():
        changes.register_contacts(own, people["other_editor"], {**CONTACTS, "leader-name": "某某"})


# ---- freshness ----------------------------------------------------------------------------------------------

def _freshness_facet(*filters):
    result = indexing.backend().search(SearchQuery(filters={"freshness": list(filters)} if filters else {},
                                                   facets=("freshness",), per_page=50))
    return result.facets.get("freshness", {}), sorted(h.id for h in result.hits)


def test_entries_fall_overdue_from_their_update_cycle_and_an_update_clears_it(
        people, department, clock, make_entry):
    clock("2026-09-30")
    monthly = make_entry(user=people["editor"], update_cycle="monthly", name="月度统计")
    irregular = make_entry(user=people["editor"], update_cycle="irregular", name="不定期通报")
    outbox.drain()
    monthly, irregular = db.session.get(catalog.Entry, monthly.id), db.session.get(catalog.Entry, irregular.id)
    assert (monthly.last_update_on, monthly.next_update_on) == (dt.date(2026, 9, 30), dt.date(2026, 10, 30))
    assert irregular.next_update_on is None
    assert _freshness_facet()[0] == {"current": 1, "none": 1}

    clock("2026-10-31")
    with transaction():
        result = changes.sweep()
    with transaction():
        assert changes.sweep().entries_flagged == 0
    assert result.entries_flagged == 1
    outbox.drain()
    assert _freshness_facet("overdue")[1] == [monthly.id]
    assert _freshness_facet()[0]["overdue"] == 1
    assert any("已超过按更新周期预计的更新日期" in s for _, s in notices(people["editor"]))
    assert [r.overdue_entries for r in changes.overview() if r.department.name == OWN] == [1]

    with transaction():
        catalog.record_update(db.session.get(catalog.Entry, monthly.id), user=people["editor"],
                              updated_on="2026-10-31", note="已更新十月数据")
    outbox.drain()
    entry = db.session.get(catalog.Entry, monthly.id)
    assert (entry.next_update_on, entry.overdue_flagged) == (dt.date(2026, 11, 30), False)
    assert _freshness_facet("overdue")[1] == []


def test_reporting_an_update_is_the_providers_and_checked(people, clock, make_entry):
    clock("2026-09-30")
    entry = make_entry(user=people["editor"], update_cycle="monthly")
    with pytest.raises(PermissionDenied), transaction():
        catalog.record_update(entry, user=people["other_editor"], updated_on="2026-09-30")
    for bad, message in (("2026-10-01", "不能晚于今天"), ("30/09/2026", "不是有效日期")):
        with pytest.raises(InvalidInput) as error, transaction():
            catalog.record_update(db.session.get(catalog.Entry, entry.id), user=people["editor"], updated_on=bad)
        assert message in error.value.problems[0].message
    assert db.session.scalar(select(func.count(catalog.EntryUpdate.id))) == 0
