"""The error report workflow's rows of the permission matrix: scenarios and SPEC rows, which
`tests/workflow/test_permission_matrix.py` runs with the sharing scenarios and checks for completeness.

Same conventions as there: "own" is 市公安局 (OWN), "other" 市民政局. For the provider's transitions 市教育局
reports 市公安局's entry; for the reporter's, 市公安局 reports 市教育局's entry; the reporter is always the user's
own department, so `report` is the same for own and other.
"""
from __future__ import annotations

from app.sharing import REPORT  # noqa: F401  (the error report workflow is declared on import)
from tests.conftest import edit, valid_values

OWN, OTHER, THIRD = "市公安局", "市民政局", "市教育局"
REPORT_VALUES = {"kind": "data", "description": "公民身份号码少一位"}


def _reports():
    from app.sharing import reports
    return reports


def _report(entry, user):
    return _reports().report(entry, user, REPORT_VALUES, ["公民身份号码"])


def _against_own(people, _own):
    """市教育局 reports 市公安局's entry: 公安局 verifies (relation "provider")."""
    return _report(people["own_entry"], people["third_seeker"])


def _corrected_later(people, own):
    """…and 公安局 has since published a revision that may correct it."""
    from app import catalog

    row = _against_own(people, own)
    entry = people["own_entry"]
    edit(entry, valid_values(summary="更正后的摘要。"), user=people["editor"])
    catalog.publish_directly([entry], user=people["admin"], reason="更正数据疑问")
    return row


def _by_own(people, _own):
    """市公安局 reports 市教育局's entry, which answers "no error" (relation "reporter")."""
    row = _report(people["third_entry"], people["own_seeker"])
    _reports().reject(row, people["third_editor"], "经核查无误")
    return row


def _escalated(people, own):
    row = _by_own(people, own)
    _reports().escalate(row, people["own_seeker"], "我局核实确有错误")
    return row


REPORT_SCENARIOS = {
    ("error_report", "report"): (None, lambda _o, user, _own, people: _report(people["third_entry"], user)),
    ("error_report", "correct"): (_corrected_later, lambda r, user, *_: _reports().correct(
        r, user, _reports().candidates(r)[0].id, "已更正")),
    ("error_report", "reject"): (_against_own, lambda r, user, *_: _reports().reject(r, user, "经核查无误")),
    ("error_report", "accept"): (_by_own, lambda r, user, *_: _reports().accept(r, user)),
    ("error_report", "escalate"): (_by_own, lambda r, user, *_: _reports().escalate(r, user, "仍有错误")),
    ("error_report", "resolve"): (_escalated, lambda r, user, *_: _reports().resolve(r, user, "提供部门应予更正")),
}
# the reporter is always the user's own department: nobody reports on another department's behalf
REPORT_SELF_RELATED = {("error_report", "report")}

# SPEC §8 with §2, by hand: a consumer department's seekers, editors and reviewers report (for their own department)
# and accept or escalate the answer; the provider's 信息共享责任人 and editors verify and answer; the authority resolves
REPORT_SPEC = {
    ("error_report", "report"): ({"seeker", "editor", "department_reviewer"},
                                 {"seeker", "editor", "department_reviewer"}),
    ("error_report", "correct"): ({"responder", "editor", "admin"}, {"admin"}),
    ("error_report", "reject"): ({"responder", "editor", "admin"}, {"admin"}),
    ("error_report", "accept"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("error_report", "escalate"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("error_report", "resolve"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
}
