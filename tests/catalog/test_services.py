"""Catalog services: the one write path for creating, revising, publishing and retiring entries."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit import AuditEntry
from app.catalog import services
from app.catalog.models import CodeSequence, Entry, EntryStatus, EntryVersion, VersionState
from app.core.db import transaction
from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.workflow import WorkflowViolation, firing
from tests.conftest import edit, valid_values


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_entry_gets_the_next_code_of_its_category(make_entry):
    first, second = make_entry(), make_entry(name="户籍迁移登记信息")
    assert first.resource_code == "101001/000001"
    assert second.resource_code == "101001/000002"


def test_department_class_entry_is_coded_under_its_department_node(make_entry, department, make_user):
    police = department("市公安局")
    editor = make_user("editor", "市公安局")
    entry = make_entry(publish=False, user=editor, category_code=police.category_code, name="治安案件信息")
    assert entry.resource_code == f"{police.category_code}/000001"
    assert entry.resource_code.startswith("307001")


def test_department_class_entry_under_another_department_is_rejected(make_entry, department, make_user):
    editor = make_user("editor", "市公安局")
    with pytest.raises(InvalidInput) as error:
        make_entry(publish=False, user=editor, category_code=department("市民政局").category_code)
    assert error.value.problems[0].path == "category_code"
    assert "属于其他部门" in error.value.problems[0].message


def test_editor_compiles_for_own_department_by_default(make_user, make_entry, department):
    editor = make_user("editor", "市公安局")
    entry = make_entry(publish=False, user=editor)
    assert entry.department_id == department("市公安局").id
    assert entry.status == EntryStatus.draft and entry.draft_version.number == 1


def test_editor_cannot_compile_for_another_department(make_user, department):
    editor = make_user("editor", "市公安局")
    with pytest.raises(PermissionDenied) as error, transaction():
        services.create_entry(valid_values(provider=department("市民政局").id), user=editor)
    assert "市民政局" in error.value.message
    assert count(Entry) == 0 and count(CodeSequence) == 0


@pytest.mark.parametrize("role", ["seeker", "department_reviewer", "authority_reviewer"])
def test_only_editors_and_admins_compile(role, make_user):
    user = make_user(role, "市公安局")
    with pytest.raises(PermissionDenied), transaction():
        services.create_entry(valid_values(), user=user)
    assert count(Entry) == 0


def test_forged_provider_id_is_refused(make_user):
    editor = make_user("editor", "市公安局")
    with pytest.raises(InvalidInput) as error, transaction():
        services.create_entry(valid_values(provider="99999"), user=editor)
    assert error.value.problems[0].path == "provider"
    assert count(Entry) == 0


def test_invalid_entry_writes_nothing(make_user):
    editor = make_user("editor", "市公安局")
    audits = count(AuditEntry)
    with pytest.raises(InvalidInput), transaction():
        services.create_entry(valid_values(sharing_condition=""), user=editor)
    assert count(Entry) == 0 and count(EntryVersion) == 0 and count(AuditEntry) == audits


def test_revising_a_published_entry_keeps_the_published_version(make_entry, admin):
    entry = make_entry()
    with transaction():
        draft = edit(entry, valid_values(summary="更新后的摘要。"), user=admin)
    assert draft.number == 2 and draft.state == VersionState.draft
    assert entry.published_version.number == 1
    assert entry.published_version.data["summary"] != "更新后的摘要。"
    with transaction():
        services.publish_directly([entry], user=admin, reason="测试")
    assert entry.published_version.number == 2
    assert entry.published_version.data["summary"] == "更新后的摘要。"
    states = [v.state for v in entry.versions]
    assert states == [VersionState.superseded, VersionState.published]
    assert entry.resource_code == "101001/000001"


def test_saving_unchanged_values_creates_no_version(make_entry, admin):
    entry = make_entry()
    with transaction():
        assert edit(entry, valid_values(), user=admin) is None
    assert len(entry.versions) == 1


def test_classification_cannot_change_after_creation(make_entry, admin):
    entry = make_entry()
    with pytest.raises(InvalidInput) as error, transaction():
        edit(entry, valid_values(category_code="101002"), user=admin)
    assert error.value.problems[0].path == "category_code"
    assert "不可更改" in error.value.problems[0].message


def test_stale_draft_save_is_a_conflict(make_entry, admin):
    entry = make_entry(publish=False)
    base = services.BaseRef.of(entry.draft_version)
    with transaction():
        services.update_draft(entry, valid_values(summary="第一位编目员的修改。"), user=admin, base=base)
    with pytest.raises(services.EditConflict), transaction():
        services.update_draft(entry, valid_values(summary="第二位编目员的修改。"), user=admin, base=base)
    assert entry.draft_version.data["summary"] == "第一位编目员的修改。"


def test_a_save_without_a_base_is_refused(make_entry, admin):
    entry = make_entry(publish=False)
    with pytest.raises(services.EditConflict) as conflict, transaction():
        services.update_draft(entry, valid_values(summary="没有基准的修改。"), user=admin, base=None)
    assert "未注明所依据的版本" in conflict.value.message
    assert entry.draft_version.data["summary"] != "没有基准的修改。"


def test_the_first_revision_of_a_published_entry_is_locked_too(make_entry, admin):
    """Two editors open the published entry; the first save starts version 2, the second is refused."""
    entry = make_entry()
    base = services.BaseRef.of(entry.published_version)
    with transaction():
        services.update_draft(entry, valid_values(summary="甲的修订。"), user=admin, base=base)
    with pytest.raises(services.EditConflict) as conflict, transaction():
        services.update_draft(entry, valid_values(summary="乙的修订。"), user=admin, base=base)
    assert conflict.value.current.number == 2
    assert [v.data["summary"] for v in entry.versions][-1] == "甲的修订。"


def test_retiring_needs_a_reason_and_keeps_the_code_taken(make_entry, admin):
    entry = make_entry()
    with pytest.raises(InvalidInput) as error, transaction():
        services.retire([entry], user=admin, reason="  ")
    assert error.value.problems[0].message == "「停用原因」为必填项：请写明停用的原因"
    with transaction():
        services.retire([entry], user=admin, reason="职能划转")
    assert entry.status == EntryStatus.retired and entry.retired_reason == "职能划转"
    newer = make_entry(name="新的户籍信息")
    assert newer.resource_code == "101001/000002"


def test_retired_entry_cannot_be_edited(make_entry, admin):
    entry = make_entry()
    with transaction():
        services.retire([entry], user=admin, reason="职能划转")
    with pytest.raises(Conflict), transaction():
        edit(entry, valid_values(summary="x"), user=admin)


def test_editor_of_another_department_cannot_retire(make_entry, make_user):
    entry = make_entry()  # provider: the authority's department
    editor = make_user("editor", "市公安局")
    with pytest.raises(PermissionDenied), transaction():
        services.retire([entry], user=editor, reason="误操作")
    assert entry.status == EntryStatus.published


def test_editor_cannot_publish(make_user, make_entry):
    editor = make_user("editor", "市公安局")
    entry = make_entry(publish=False, user=editor)
    with pytest.raises(PermissionDenied), transaction():
        services.publish_directly([entry], user=editor, reason="想直接发布")
    assert entry.status == EntryStatus.draft


def test_a_state_cannot_be_assigned_outside_its_workflow(make_entry):
    entry = make_entry(publish=False)
    with pytest.raises(WorkflowViolation), transaction():
        entry.draft_version.state = VersionState.published
    with pytest.raises(WorkflowViolation), transaction():
        entry.status = EntryStatus.retired
    db.session.rollback()
    assert db.session.get(Entry, entry.id).status == EntryStatus.draft


def test_publishing_records_the_release_date(make_entry):
    entry = make_entry()
    assert entry.published_version.data["release_date"]
    assert entry.published_version.published_at is not None


def test_every_write_leaves_an_audit_entry(make_entry, admin):
    entry = make_entry()
    with transaction():
        edit(entry, valid_values(summary="修订。"), user=admin)
        services.retire([entry], user=admin, reason="停用测试")
    rows = db.session.execute(select(AuditEntry.action, AuditEntry.from_state, AuditEntry.to_state).where(
        AuditEntry.details["entry"].as_integer() == entry.id).order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in rows] == [
        ("entry.create", None, "draft"), ("entry_version.create", None, "draft"),
        ("entry_version.publish_directly", "draft", "published"), ("entry.publish", "draft", "published"),
        ("entry_version.create", None, "draft"), ("entry.retire", "published", "retired"),
        ("entry_version.discard", "draft", "discarded")]


def test_database_allows_only_one_draft_per_entry(make_entry):
    entry = make_entry(publish=False)
    with pytest.raises(IntegrityError), transaction(), firing():
        db.session.add(EntryVersion(entry_id=entry.id, number=2, state=VersionState.draft, name="x", data={}))
        db.session.flush()


def test_database_allows_only_one_published_version_per_entry(make_entry):
    entry = make_entry()
    with pytest.raises(IntegrityError), transaction(), firing():
        db.session.add(EntryVersion(entry_id=entry.id, number=2, state=VersionState.published, name="x", data={}))
        db.session.flush()


def test_resource_codes_are_unique_in_the_database(make_entry):
    entry = make_entry()
    with pytest.raises(IntegrityError), transaction(), firing():
        db.session.add(Entry(resource_code=entry.resource_code, category_code="101001",
                             department_id=entry.department_id, status=EntryStatus.draft))
        db.session.flush()


def test_related_codes_of_entries_the_editor_may_not_see_are_as_unknown_as_missing_ones(make_entry, make_user):
    police, civil = make_user("editor", "市公安局"), make_user("editor", "市民政局")
    hidden = make_entry(publish=False, user=civil, name="低保对象名单（草稿）")
    visible = make_entry(user=civil, name="婚姻登记信息")  # published: every government user sees it
    with pytest.raises(InvalidInput) as error, transaction():
        services.create_entry(valid_values(related_codes=[hidden.resource_code, "101001/999999"]), user=police)
    [problem] = error.value.problems
    assert problem.message == f"「关联资源代码」中的 {hidden.resource_code}、101001/999999 未登记"
    with transaction():
        entry = services.create_entry(valid_values(related_codes=[visible.resource_code]), user=police)
    assert entry.draft_version.data["related_codes"] == [visible.resource_code]
