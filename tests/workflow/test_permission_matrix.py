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
    ("change_event", "record"): (None, lambda _o, user, own: _changes().record_event(
        user, CHANGE_EVENT_VALUES, [own.id])),
    ("change_task", "link"): (_task, lambda task, user, _own: _link_first(task, user)),
    ("change_task", "close"): (_task, lambda task, user, _own: _changes().close(task, user, "无需更新")),
    ("change_task", "reopen"): (_closed_task, lambda task, user, _own: _changes().reopen(task, user, "重新核查")),
    ("maintenance", "attest"): (None, lambda _o, user, own: _changes().attest(
        own.id, user, period_start=_changes().period_of(_today())[0])),
    ("department_contact", "register"): (None, lambda _o, user, own: _changes().register_contacts(
        own.id, user, CONTACTS)),
}


def _changes():
    from app import changes
    return changes


def _today():
    from app.core.clock import today
    return today()


def test_every_user_transition_has_a_scenario():
    """A transition added to a declaration without a row here fails, so the matrix always covers all."""
    assert sorted(USER_TRANSITIONS) == sorted([*SCENARIOS, *JOB_SCENARIOS, *CHANGE_SCENARIOS])


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


@pytest.mark.parametrize(("workflow_key", "transition_key"), sorted(CHANGE_SCENARIOS),
                         ids=[f"{w}.{t}" for w, t in sorted(CHANGE_SCENARIOS)])
def test_change_tracking_permission_matrix(workflow_key, transition_key, app, make_user, make_entry, department):
    app.config["TODAY"] = "2026-11-30"
    people = {"editor": make_user("editor", OWN), "admin": make_user("admin", "市政务服务数据管理局")}
    users = {(roles, scope): make_user(sorted(roles), OWN if scope == "own" else OTHER)
             for roles in ROLE_SETS for scope in ("own", "other")}
    make_entry(user=people["editor"])  # a catalog update of 市公安局 a task can link
    prepare, fire = CHANGE_SCENARIOS[(workflow_key, transition_key)]
    own = department(OWN)
    with transaction():
        obj = prepare(people, own) if prepare else None
    obj_id = obj.id if obj is not None else None
    db.session.commit()

    wrong = []
    for (roles, scope), user in users.items():
        expected = _expected(workflow_key, transition_key, roles, scope)
        last_audit = db.session.scalar(select(func.max(AuditEntry.id)))
        target = db.session.get(type(obj), obj_id) if obj is not None else None
        before = REGISTRY[workflow_key].state_of(target) if target is not None else None
        recorded: list[str] = []
        try:
            fire(target, db.session.get(type(user), user.id), department(OWN))
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
}


def test_the_declarations_grant_what_spec_section_2_says():
    assert sorted(SPEC) == sorted(USER_TRANSITIONS)
    for (workflow_key, transition_key), (own, other) in SPEC.items():
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
