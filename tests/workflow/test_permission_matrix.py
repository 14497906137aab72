"""Every user transition × role set × own / other department, generated from the workflow declarations.

For each cell the transition is fired the way a person fires it (the form's service, the review page's
service) on an entry in the transition's source state; it must succeed exactly where a grant of the
declaration matches, and leave everything unchanged where none does. A second test checks the declarations
themselves against SPEC §2, written out by hand, so the matrix is not the declaration testing itself.
"""
from __future__ import annotations

import io
import itertools

import pytest
from sqlalchemy import func, select

from app import catalog
from app.accounts import ROLE_LABELS
from app.audit import AuditEntry
from app.catalog import ENTRY, VERSION, BaseRef, Entry
from app.core.db import transaction
from app.core.errors import PermissionDenied
from app.extensions import db
from app.changes import CHANGE_TASK  # noqa: F401  (the change-tracking workflows are declared on import)
from app.demands import DEMAND  # noqa: F401  (the demand workflow is declared on import)
from app.harvest import HARVEST_SOURCE  # noqa: F401  (the docking workflows are declared on import)
from app.sharing import REQUEST  # noqa: F401  (the sharing workflows are declared on import)
from app.imports import IMPORT_JOB  # noqa: F401  (its workflow is declared on import)
from app.review import services as review
from app.workflow import REGISTRY, firing
from tests.conftest import valid_values

OWN, OTHER = "市公安局", "市民政局"
ROLES = list(ROLE_LABELS)
# every single role, and every pair (a sharing officer who is also the editor, a reviewer who also compiles …)
ROLE_SETS = [frozenset(c) for n in (1, 2) for c in itertools.combinations(ROLES, n)]


def _submitted(entry, people):
    catalog.submit([entry], user=people["editor"])


def _at_authority(entry, people):
    _submitted(entry, people)
    catalog.approve([entry], user=people["reviewer"])


def _revised(entry, people):
    catalog.publish_directly([entry], user=people["admin"], reason="矩阵测试")


def _base(entry):
    return BaseRef.of(entry.base_version)


# transition → (bring a fresh 市公安局 draft to its source state, fire it as `user`)
SCENARIOS = {
    ("entry", "create"): (None, lambda entry, user, department: catalog.create_entry(
        valid_values(provider=department.id, name="另一资源"), user=user)),
    ("entry", "retire"): (None, lambda entry, user, _d: catalog.retire([entry], user=user, reason="职能调整")),
    ("entry_version", "create"): (_revised, lambda entry, user, _d: catalog.update_draft(
        entry, valid_values(summary="修订后的摘要。"), user=user, base=_base(entry))),
    ("entry_version", "edit"): (None, lambda entry, user, _d: catalog.update_draft(
        entry, valid_values(summary="修改后的摘要。"), user=user, base=_base(entry))),
    ("entry_version", "submit"): (None, lambda entry, user, _d: catalog.submit([entry], user=user)),
    ("entry_version", "withdraw"): (_submitted, lambda entry, user, _d: catalog.withdraw([entry], user=user)),
    ("entry_version", "approve_department"): (_submitted, lambda entry, user, _d: review.approve(
        review.pending_review(entry), user=user)),
    ("entry_version", "return_department"): (_submitted, lambda entry, user, _d: review.return_(
        review.pending_review(entry), user=user, comment="请修改。")),
    ("entry_version", "approve_authority"): (_at_authority, lambda entry, user, _d: review.approve(
        review.pending_review(entry), user=user, confirm=True)),
    ("entry_version", "return_authority"): (_at_authority, lambda entry, user, _d: review.return_(
        review.pending_review(entry), user=user, comment="请修改。")),
    ("entry_version", "publish_directly"): (None, lambda entry, user, _d: catalog.publish_directly(
        [entry], user=user, reason="矩阵测试")),
    ("entry", "report_update"): (_revised, lambda entry, user, _d: catalog.record_update(
        entry, user=user, updated_on=None)),
}
USER_TRANSITIONS = [(w.key, t.key) for w in REGISTRY.values() for t in w.user_transitions()]


def _upload(user):
    from werkzeug.datastructures import FileStorage

    from app.imports import services as imports
    return imports.start(FileStorage(io.BytesIO(b"PK\x03\x04 a workbook"), filename="目录.xlsx"), user=user)


def _job(state: str, uploader_id: int, report: dict | None = None):
    from app.imports.models import ImportJob, JobState
    with firing():
        job = ImportJob(user_id=uploader_id, filename="目录.xlsx", stored_as="matrix.xlsx", state=JobState(state),
                        report=report or {"entries": 1, "new": 1, "changed": 0, "problems": []})
    db.session.add(job)
    db.session.flush()
    return job


# import job transitions: (the job's state before, fire it as `user` on a job of `uploader`); the relation is to
# the uploader in person, so "own" means the acting user uploaded it
JOB_SCENARIOS = {
    ("import_job", "upload"): (None, lambda job, user: _upload(user)),
    ("import_job", "confirm"): ("checked", lambda job, user: imports_services().queue_commit(
        job, user=user, publish_reason=None)),
    ("import_job", "rerun"): ("failed", lambda job, user: imports_services().rerun(job, user=user)),
    ("import_job", "discard"): ("failed", lambda job, user: imports_services().discard(job, user=user)),
}


def imports_services():
    from app.imports import services
    return services


CHANGE_EVENT_VALUES = {"kind": "law_revision", "title": "条例修订", "legal_source": "公告〔2026〕1号",
                       "effective_on": "2026-11-02"}
CONTACTS = {"leader-name": "王建国", "leader-phone": "020-83123456", "leader-email": "wang@example.gov.cn"}


def _task(people, own):
    from app import changes
    event = changes.record_event(people["admin"], CHANGE_EVENT_VALUES, [own.id])
    return event.tasks[0]


def _closed_task(people, own):
    from app import changes
    task = _task(people, own)
    changes.close(task, people["admin"], "无需更新")
    return task


def _link_first(task, user):
    from app import changes
    offered = changes.services.candidates(task)
    return changes.link(task, user, [offered[0].token])


# change tracking: (make the object as the admin, fire the transition as `user` on 市公安局's object)
CHANGE_SCENARIOS = {
    ("change_event", "record"): (None, lambda _o, user, own, *_: _changes().record_event(
        user, CHANGE_EVENT_VALUES, [own.id])),
    ("change_task", "link"): (_task, lambda task, user, _own, *_: _link_first(task, user)),
    ("change_task", "close"): (_task, lambda task, user, _own, *_: _changes().close(task, user, "无需更新")),
    ("change_task", "reopen"): (_closed_task, lambda task, user, _own, *_: _changes().reopen(task, user, "重新核查")),
    ("maintenance", "attest"): (None, lambda _o, user, own, *_: _changes().attest(
        own.id, user, period_start=_changes().period_of(_today())[0])),
    ("department_contact", "register"): (None, lambda _o, user, own, *_: _changes().register_contacts(
        own.id, user, CONTACTS)),
}


def _changes():
    from app import changes
    return changes


# ---- sharing: 市公安局 (OWN) provides one entry and asks 市教育局 (THIRD) for another ----------------------------------

THIRD = "市教育局"
ASK = {"purpose": "核验", "scenario": "业务办理时核验", "usage_scope": "本部门", "period_from": "2026-11-30",
       "period_until": "2027-11-29", "basis-姓名": "《某条例》第三条", "basis-公民身份号码": "《某条例》第三条"}


def _sharing():
    from app import sharing
    return sharing


def _ask(entry, user):
    return _sharing().submit(entry, user, ASK, ["姓名"])


def _from_own(people, _own):
    """市教育局 asks for 市公安局's entry: 公安局 answers (relation "provider")."""
    return _ask(people["own_entry"], people["third_seeker"])


def _to_third(people, _own):
    """市公安局 asks for 市教育局's entry (relation "requester")."""
    return _ask(people["third_entry"], people["own_seeker"])


def _refused_to_own(people, own):
    request = _to_third(people, own)
    _sharing().refuse(request, people["admin"], "不符合共享条件")
    return request


def _escalated(people, own):
    request = _refused_to_own(people, own)
    _sharing().escalate(request, people["own_seeker"], "属法定职责")
    return request


def _in_check(people, _own, district=False):
    from flask import current_app
    current_app.config["SHARING_COMPLIANCE_CHECK"] = True
    try:
        return _ask(people["own_entry"], people["district_seeker" if district else "third_seeker"])
    finally:
        current_app.config["SHARING_COMPLIANCE_CHECK"] = False


def _grant(people, own, state="provisioning"):
    from app.sharing import GrantState
    request = _from_own(people, own)
    grant = _sharing().approve(request, people["admin"], {}, ["姓名"])
    with firing():
        grant.state = GrantState(state)
    return grant


def _upload_file():
    from werkzeug.datastructures import FileStorage
    return FileStorage(io.BytesIO("姓名\n张三\n".encode()), filename="数据.csv")


def _grant_to_own(people, own):
    """An active grant of 市教育局's entry to 市公安局 (relation "consumer")."""
    from app.sharing import GrantState
    request = _to_third(people, own)
    grant = _sharing().approve(request, people["admin"], {}, ["姓名"])
    with firing():
        grant.state = GrantState.active
    return grant


SHARING_SCENARIOS = {
    ("share_request", "submit"): (None, lambda _o, user, _own, people: _ask(people["third_entry"], user)),
    ("share_request", "pass_check"): (_in_check, lambda r, user, *_: _sharing().pass_check(r, user)),
    ("share_request", "pass_check_forward"): (lambda p, o: _in_check(p, o, district=True),
                                              lambda r, user, *_: _sharing().pass_check(r, user)),
    ("share_request", "reject_check"): (_in_check, lambda r, user, *_: _sharing().reject_check(r, user, "不合规")),
    ("share_request", "forward"): (lambda p, o: _ask(p["own_entry"], p["district_seeker"]),
                                   lambda r, user, *_: _sharing().forward(r, user)),
    ("share_request", "approve"): (_from_own, lambda r, user, *_: _sharing().approve(r, user, {}, ["姓名"])),
    ("share_request", "refuse"): (_from_own, lambda r, user, *_: _sharing().refuse(r, user, "不符合条件")),
    ("share_request", "escalate"): (_refused_to_own, lambda r, user, *_: _sharing().escalate(r, user, "属法定职责")),
    ("share_request", "rule_share"): (_escalated, lambda r, user, *_: _sharing().rule(
        r, user, share=True, ruling="应当共享")),
    ("share_request", "rule_not_share"): (_escalated, lambda r, user, *_: _sharing().rule(
        r, user, share=False, ruling="不予共享")),
    ("share_request", "withdraw"): (_to_third, lambda r, user, *_: _sharing().withdraw(r, user)),
    ("share_grant", "retry"): (lambda p, o: _grant(p, o, "failed"), lambda g, user, *_: _sharing().retry(g, user)),
    ("share_grant", "attach"): (_grant, lambda g, user, *_: _sharing().attach(g, user, _upload_file())),
    ("share_grant", "compare"): (lambda p, o: _grant_to_own(p, o),
                                 lambda g, user, *_: _sharing().GRANT.fire("compare", g, actor=user, note="1 条记录")),
    ("share_grant", "reissue"): (lambda p, o: _grant_to_own(p, o),
                                 lambda g, user, *_: _sharing().reissue(g, user)),
    ("share_grant", "revoke"): (lambda p, o: _grant(p, o, "active"),
                                lambda g, user, *_: _sharing().revoke(g, user, "超范围使用")),
    ("sharing_suspension", "suspend"): (None, lambda _o, user, _own, people: _sharing().suspend(
        people["third"].id, user, "逾期未更新目录")),
    ("sharing_suspension", "lift"): (lambda p, o: _sharing().suspend(p["third"].id, p["admin"], "逾期"),
                                     lambda s, user, *_: _sharing().lift(s, user, "已整改")),
}
# demands: 市公安局 (OWN) is the target of one demand of 市教育局, and files one of its own to 市教育局
DEMAND_VALUES = {"title": "户籍信息", "items": "姓名", "purpose": "核验", "scenario": "业务办理", "legal_basis": "《某条例》第三条"}


def _demands():
    from app import demands
    return demands


def _demand_to_own(people, own):
    return _demands().file(people["third_seeker"], {**DEMAND_VALUES, "target_department": str(own.id)})


def _demand_from_own(people, _own):
    return _demands().file(people["own_seeker"], {**DEMAND_VALUES, "target_department": str(people["third"].id)})


def _registering(people, own):
    demand = _demand_to_own(people, own)
    _demands().answer_register(demand, people["admin"])
    return demand


SHARING_SCENARIOS.update({
    ("demand", "file"): (None, lambda _o, user, _own, people: _demands().file(
        user, {**DEMAND_VALUES, "target_department": str(people["third"].id)})),
    ("demand", "assign"): (lambda p, o: _demands().file(p["third_seeker"], DEMAND_VALUES),
                           lambda d, user, own, _p: _demands().assign(d, user, own.id)),
    ("demand", "answer_existing"): (_demand_to_own, lambda d, user, _own, people: _demands().answer_existing(
        d, user, people["own_entry"].id)),
    ("demand", "answer_register"): (_demand_to_own, lambda d, user, *_: _demands().answer_register(d, user)),
    ("demand", "answer_cannot"): (_demand_to_own, lambda d, user, *_: _demands().answer_cannot(
        d, user, "涉密", "《保守国家秘密法》")),
    ("demand", "link_entry"): (_registering, lambda d, user, _own, people: _demands().link_entry(
        d, user, people["own_entry"].id)),
    ("demand", "match"): (_demand_from_own, lambda d, user, _own, people: _demands().match(
        d, user, people["third_entry"].id)),
    ("demand", "withdraw"): (_demand_from_own, lambda d, user, *_: _demands().withdraw(d, user)),
})

# error reports: their scenarios, SPEC rows and self-related transitions live beside their tests
from tests.reports.permission_rows import REPORT_SCENARIOS, REPORT_SELF_RELATED, REPORT_SPEC  # noqa: E402
# docking sources: their scenarios and SPEC rows live beside their tests too
from tests.harvest.permission_rows import HARVEST_SCENARIOS, HARVEST_SPEC  # noqa: E402

# the requester is always the user's own department: there is no asking on another department's behalf
SELF_RELATED = {("share_request", "submit"), ("demand", "file"), *REPORT_SELF_RELATED}


def _today():
    from app.core.clock import today
    return today()


def test_every_user_transition_has_a_scenario():
    """A transition added to a declaration without a row here fails, so the matrix always covers all."""
    assert sorted(USER_TRANSITIONS) == sorted([*SCENARIOS, *JOB_SCENARIOS, *CHANGE_SCENARIOS, *SHARING_SCENARIOS,
                                               *REPORT_SCENARIOS, *HARVEST_SCENARIOS])


def _state_of(workflow_key: str, entry_id: int) -> str | None:
    entry = db.session.get(Entry, entry_id)
    if workflow_key == "entry":
        return entry.status.value
    version = entry.draft_version or entry.published_version
    return f"{version.number}:{version.state.value}"


def _snapshot(workflow_key: str, entry_id: int) -> tuple:
    """What a refused attempt must leave as it was: the state, the audit log, the number of entries."""
    return (_state_of(workflow_key, entry_id), db.session.scalar(select(func.max(AuditEntry.id))),
            db.session.scalar(select(func.count(Entry.id))))


def _verdict(action: str, roles, scope: str, allowed: bool, expected: bool, recorded: list[str]) -> list[str]:
    """What is wrong with one cell of a matrix: allowed where not declared (or the reverse), or not audited."""
    if allowed != expected:
        return [f"{sorted(roles)} {scope}: {'allowed' if allowed else 'refused'}, "
                f"declared {'allowed' if expected else 'refused'}"]
    if allowed and action not in recorded:
        return [f"{sorted(roles)} {scope}: allowed but no {action} was audited"]
    return []


def _expected(workflow_key: str, transition_key: str, roles: frozenset[str], scope: str) -> bool:
    transition = REGISTRY[workflow_key].transition(transition_key)
    if (workflow_key, transition_key) in SELF_RELATED:
        scope = "own"
    return any(g.role in roles and (g.relation is None or scope == "own") for g in transition.grants)


@pytest.mark.parametrize(("workflow_key", "transition_key"), sorted(SCENARIOS),
                         ids=[f"{w}.{t}" for w, t in sorted(SCENARIOS)])
def test_permission_matrix(workflow_key, transition_key, make_user, make_entry, department):
    people = {"editor": make_user("editor", OWN), "reviewer": make_user("department_reviewer", OWN),
              "admin": make_user("admin", "市政务服务数据管理局")}
    users = {(roles, scope): make_user(sorted(roles), OWN if scope == "own" else OTHER)
             for roles in ROLE_SETS for scope in ("own", "other")}
    prepare, fire = SCENARIOS[(workflow_key, transition_key)]
    entry = make_entry(publish=False, user=people["editor"])
    if prepare:
        with transaction():
            prepare(entry, people)
    entry_id, own_department = entry.id, department(OWN)
    db.session.commit()

    wrong = []
    for (roles, scope), user in users.items():
        expected = _expected(workflow_key, transition_key, roles, scope)
        before = _snapshot(workflow_key, entry_id)
        recorded: list[str] = []
        try:
            fire(db.session.get(Entry, entry_id), db.session.get(type(user), user.id), own_department)
            db.session.flush()
            allowed = True
            recorded = db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > before[1])).all()
        except PermissionDenied:
            allowed = False
            after = _snapshot(workflow_key, entry_id)
            if after != before:
                wrong.append(f"{sorted(roles)} {scope}: refused but changed {before} → {after}")
        finally:
            db.session.rollback()
        wrong += _verdict(f"{workflow_key}.{transition_key}", roles, scope, allowed, expected, recorded)
    assert not wrong, f"{workflow_key}.{transition_key}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("transition_key", sorted(t for _w, t in JOB_SCENARIOS))
def test_import_job_permission_matrix(transition_key, make_user, tmp_path):
    from app.imports import services as imports
    from app.imports.models import ImportJob

    uploader = make_user("editor", OWN)
    users = {(roles, scope): make_user(sorted(roles), OWN if scope == "own" else OTHER)
             for roles in ROLE_SETS for scope in ("own", "other")}
    state, fire = JOB_SCENARIOS[("import_job", transition_key)]
    (imports.uploads_dir() / "matrix.xlsx").write_bytes(b"PK")
    db.session.commit()
    wrong = []
    for (roles, scope), user in users.items():
        user = db.session.get(type(user), user.id)
        job = _job(state, user.id if scope == "own" else uploader.id) if state else None
        expected = _expected("import_job", transition_key, roles, scope)
        last_audit = db.session.scalar(select(func.max(AuditEntry.id)))
        try:
            fire(job, user)
            db.session.flush()
            allowed = True
            recorded = db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > last_audit)).all()
        except PermissionDenied:
            allowed = False
            if job is not None and db.session.get(ImportJob, job.id).state.value != state:
                wrong.append(f"{sorted(roles)} {scope}: refused but the job moved")
        finally:
            db.session.rollback()
            (imports.uploads_dir() / "matrix.xlsx").write_bytes(b"PK")  # discard deletes it
        if allowed != expected:
            wrong.append(f"{sorted(roles)} {scope}: {'allowed' if allowed else 'refused'}, "
                         f"declared {'allowed' if expected else 'refused'}")
        elif allowed and f"import_job.{transition_key}" not in recorded:
            wrong.append(f"{sorted(roles)} {scope}: allowed but not audited")
    assert not wrong, f"import_job.{transition_key}:\n" + "\n".join(wrong)


def _run_matrix(workflow_key: str, transition_key: str, prepare, fire, people: dict, department) -> list[str]:
    """Prepare the object (as the admin), then fire the transition as every role set of own and other department;
    what is wrong: allowed where not declared (or the reverse), refused but changed, allowed but not audited."""
    users = {(roles, scope): people["make_user"](sorted(roles), OWN if scope == "own" else OTHER)
             for roles in ROLE_SETS for scope in ("own", "other")}
    kept = {k: v for k, v in people.items() if k != "make_user"}
    with transaction():
        kept = {k: (db.session.merge(v) if hasattr(v, "_sa_instance_state") else v) for k, v in kept.items()}
        obj = prepare(kept, department(OWN)) if prepare else None
    obj_id = obj.id if obj is not None else None
    db.session.commit()

    wrong = []
    for (roles, scope), user in users.items():
        expected = _expected(workflow_key, transition_key, roles, scope)
        last_audit = db.session.scalar(select(func.max(AuditEntry.id)))
        target = db.session.get(type(obj), obj_id) if obj is not None else None
        before = REGISTRY[workflow_key].state_of(target) if target is not None else None
        current = {k: (db.session.merge(v) if hasattr(v, "_sa_instance_state") else v) for k, v in kept.items()}
        recorded: list[str] = []
        try:
            fire(target, db.session.get(type(user), user.id), department(OWN), current)
            db.session.flush()
            allowed = True
            recorded = db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > last_audit)).all()
        except PermissionDenied:
            allowed = False
            changed = db.session.scalar(select(func.max(AuditEntry.id))) != last_audit or (
                target is not None and REGISTRY[workflow_key].state_of(target) != before)
            if changed:
                wrong.append(f"{sorted(roles)} {scope}: refused but something changed")
        finally:
            db.session.rollback()
        wrong += _verdict(f"{workflow_key}.{transition_key}", roles, scope, allowed, expected, recorded)
    return wrong


@pytest.mark.parametrize(("workflow_key", "transition_key"), sorted(CHANGE_SCENARIOS),
                         ids=[f"{w}.{t}" for w, t in sorted(CHANGE_SCENARIOS)])
def test_change_tracking_permission_matrix(workflow_key, transition_key, app, make_user, make_entry, department):
    app.config["TODAY"] = "2026-11-30"
    people = {"editor": make_user("editor", OWN), "admin": make_user("admin", "市政务服务数据管理局"),
              "make_user": make_user}
    make_entry(user=people["editor"])  # a catalog update of 市公安局 a task can link
    prepare, fire = CHANGE_SCENARIOS[(workflow_key, transition_key)]
    wrong = _run_matrix(workflow_key, transition_key, prepare, fire, people, department)
    assert not wrong, f"{workflow_key}.{transition_key}:\n" + "\n".join(wrong)


# sharing, demands and error reports share their cast: 市公安局 provides one entry and asks 市教育局 for another
SHARED_CAST_SCENARIOS = {**SHARING_SCENARIOS, **REPORT_SCENARIOS}


@pytest.mark.parametrize(("workflow_key", "transition_key"), sorted(SHARED_CAST_SCENARIOS),
                         ids=[f"{w}.{t}" for w, t in sorted(SHARED_CAST_SCENARIOS)])
def test_sharing_permission_matrix(workflow_key, transition_key, app, make_user, make_entry, department):
    app.config["TODAY"] = "2026-11-30"
    app.config["EXCHANGE_URL"] = ""  # no adapter is called inside a transition anyway (the outbox does it later)
    people = {"editor": make_user("editor", OWN), "admin": make_user("admin", "市政务服务数据管理局"),
              "third_editor": make_user("editor", THIRD), "third_seeker": make_user("seeker", THIRD),
              "own_seeker": make_user("seeker", OWN), "district_seeker": make_user("seeker", "东城区民政局"),
              "third": department(THIRD), "make_user": make_user}
    people["own_entry"] = make_entry(user=people["editor"])
    people["third_entry"] = make_entry(user=people["third_editor"], provider=department(THIRD).id,
                                       name="学籍信息", category_code="101001")
    prepare, fire = SHARED_CAST_SCENARIOS[(workflow_key, transition_key)]
    wrong = _run_matrix(workflow_key, transition_key, prepare, fire, people, department)
    assert not wrong, f"{workflow_key}.{transition_key}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(("workflow_key", "transition_key"), sorted(HARVEST_SCENARIOS),
                         ids=[f"{w}.{t}" for w, t in sorted(HARVEST_SCENARIOS)])
def test_docking_permission_matrix(workflow_key, transition_key, make_user, department):
    people = {"admin": make_user("admin", "市政务服务数据管理局"), "make_user": make_user}
    prepare, fire = HARVEST_SCENARIOS[(workflow_key, transition_key)]
    wrong = _run_matrix(workflow_key, transition_key, prepare, fire, people, department)
    assert not wrong, f"{workflow_key}.{transition_key}:\n" + "\n".join(wrong)


# SPEC §2, by hand: action → (single roles allowed on their own department's entry, on another's)
SPEC = {
    ("entry", "create"): ({"editor", "admin"}, {"admin"}),
    ("entry", "retire"): ({"editor", "department_reviewer", "authority_reviewer", "admin"},
                          {"authority_reviewer", "admin"}),
    ("entry_version", "create"): ({"editor", "admin"}, {"admin"}),
    ("entry_version", "edit"): ({"editor", "admin"}, {"admin"}),
    ("entry_version", "submit"): ({"editor", "admin"}, {"admin"}),
    ("entry_version", "withdraw"): ({"editor", "admin"}, {"admin"}),
    ("entry_version", "approve_department"): ({"department_reviewer", "admin"}, {"admin"}),
    ("entry_version", "return_department"): ({"department_reviewer", "admin"}, {"admin"}),
    ("entry_version", "approve_authority"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("entry_version", "return_authority"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("entry_version", "publish_directly"): ({"admin"}, {"admin"}),
    # import jobs: editors and admins upload; the uploader ("own") or an admin confirms, reruns, discards
    ("import_job", "upload"): ({"editor", "admin"}, {"editor", "admin"}),
    ("import_job", "confirm"): ({"editor", "admin"}, {"admin"}),
    ("import_job", "rerun"): ({"editor", "admin"}, {"admin"}),
    ("import_job", "discard"): ({"editor", "admin"}, {"admin"}),
    # the provider keeps its entries' 更新状态 current
    ("entry", "report_update"): ({"editor", "department_reviewer", "admin"}, {"admin"}),
    # SPEC §6 change tracking: a department records events of its own and answers its tasks; the authority
    # records for any department and reopens; every department attests its own maintenance, registers its contacts
    ("change_event", "record"): ({"editor", "department_reviewer", "authority_reviewer", "admin"},
                                 {"authority_reviewer", "admin"}),
    ("change_task", "link"): ({"editor", "department_reviewer", "admin"}, {"admin"}),
    ("change_task", "close"): ({"editor", "department_reviewer", "admin"}, {"admin"}),
    ("change_task", "reopen"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("maintenance", "attest"): ({"editor", "department_reviewer", "admin"}, {"admin"}),
    ("department_contact", "register"): ({"editor", "department_reviewer", "admin"}, {"admin"}),
    # SPEC §7: a department's seekers, editors and reviewers ask (always for their own department); the provider's
    # 信息共享责任人 answers; the authority checks, forwards, coordinates and rules; the provider provides and revokes
    ("share_request", "submit"): ({"seeker", "editor", "department_reviewer"},
                                  {"seeker", "editor", "department_reviewer"}),
    ("share_request", "pass_check"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_request", "pass_check_forward"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_request", "reject_check"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_request", "forward"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_request", "approve"): ({"responder", "admin"}, {"admin"}),
    ("share_request", "refuse"): ({"responder", "admin"}, {"admin"}),
    ("share_request", "escalate"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("share_request", "rule_share"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_request", "rule_not_share"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_request", "withdraw"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("share_grant", "retry"): ({"responder", "editor", "authority_reviewer", "admin"},
                               {"authority_reviewer", "admin"}),
    ("share_grant", "attach"): ({"responder", "editor", "admin"}, {"admin"}),
    ("share_grant", "revoke"): ({"responder", "authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("share_grant", "reissue"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("share_grant", "compare"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("sharing_suspension", "suspend"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("sharing_suspension", "lift"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    # the demand catalog: a department's seekers, editors and reviewers file and match its needs; the target's
    # responder or editor answers; the authority assigns
    ("demand", "file"): ({"seeker", "editor", "department_reviewer"}, {"seeker", "editor", "department_reviewer"}),
    ("demand", "assign"): ({"authority_reviewer", "admin"}, {"authority_reviewer", "admin"}),
    ("demand", "answer_existing"): ({"responder", "editor", "admin"}, {"admin"}),
    ("demand", "answer_register"): ({"responder", "editor", "admin"}, {"admin"}),
    ("demand", "answer_cannot"): ({"responder", "editor", "admin"}, {"admin"}),
    ("demand", "link_entry"): ({"responder", "editor", "admin"}, {"admin"}),
    ("demand", "match"): ({"seeker", "editor", "department_reviewer"}, set()),
    ("demand", "withdraw"): ({"seeker", "editor", "department_reviewer"}, set()),
}


def test_the_declarations_grant_what_spec_section_2_says():
    spec = {**SPEC, **REPORT_SPEC, **HARVEST_SPEC}
    assert sorted(spec) == sorted(USER_TRANSITIONS)
    for (workflow_key, transition_key), (own, other) in spec.items():
        declared_own = {r for r in ROLES if _expected(workflow_key, transition_key, frozenset({r}), "own")}
        declared_other = {r for r in ROLES if _expected(workflow_key, transition_key, frozenset({r}), "other")}
        assert (declared_own, declared_other) == (own, other), f"{workflow_key}.{transition_key}"


def test_internal_transitions_cannot_be_fired_by_anyone(make_entry, admin):
    entry = make_entry()
    with pytest.raises(PermissionDenied) as error, transaction():
        VERSION.fire("supersede", entry.published_version, actor=admin)
    assert "由系统在同一信息资源的新版本发布时自动完成" in error.value.message
    with pytest.raises(PermissionDenied), transaction():
        ENTRY.fire("publish", entry, actor=admin)
