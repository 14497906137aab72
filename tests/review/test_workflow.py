"""The review workflow: submit → department review → authority review → published; returns with comments."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import catalog
from app.catalog import VERSION, EntryStatus, VersionState
from app.core.db import transaction
from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.review import services as review
from app.review.models import Review, ReviewStage, ReviewState
from app.workflow import firing
from tests.conftest import edit, valid_values


@pytest.fixture
def people(make_user):
    return {
        "editor": make_user("editor", "市公安局"),
        "reviewer": make_user("department_reviewer", "市公安局"),
        "other_reviewer": make_user("department_reviewer", "市民政局"),
        "authority": make_user("authority_reviewer", "市政务服务数据管理局"),
        "admin": make_user("admin", "市政务服务数据管理局"),
    }


@pytest.fixture
def draft(make_entry, people):
    return make_entry(publish=False, user=people["editor"])


def step(fn, *args, **kwargs):
    with transaction():
        return fn(*args, **kwargs)


def submit(entry, user):
    """提交审核, then the department review it opened."""
    step(catalog.submit, [entry], user=user)
    return review.pending_review(entry)


def test_entry_goes_through_both_reviews_to_publication(draft, people):
    first = submit(draft, people["editor"])
    assert first.stage == ReviewStage.department and draft.draft_version.state == VersionState.department_review
    step(review.approve, first, user=people["reviewer"])
    second = review.pending_review(draft)
    assert second.stage == ReviewStage.authority and draft.draft_version.state == VersionState.authority_review
    assert first.state == ReviewState.approved and first.decided_by_id == people["reviewer"].id
    step(review.approve, second, user=people["authority"], confirm=True)
    assert draft.status == EntryStatus.published
    assert draft.published_version.number == 1 and draft.draft_version is None
    assert review.pending_review(draft) is None


def test_authority_must_confirm_conditional_sharing(draft, people):
    step(review.approve, submit(draft, people["editor"]), user=people["reviewer"])
    second = review.pending_review(draft)
    assert second.needs_confirmation
    assert any("依据《郑州市政府信息资源共享管理办法》第十五条" in reason for reason in second.reasons)
    with pytest.raises(InvalidInput) as error:
        step(review.approve, second, user=people["authority"])
    assert "「确认共享类型」须勾选" in error.value.problems[0].message
    assert second.state == ReviewState.pending and draft.status == EntryStatus.draft


def test_return_needs_a_comment_and_reaches_the_editor(draft, people):
    first = submit(draft, people["editor"])
    with pytest.raises(InvalidInput) as error:
        step(review.return_, first, user=people["reviewer"], comment=" ")
    assert error.value.problems[0].path == "comment"
    step(review.return_, first, user=people["reviewer"], comment="请补充数据长度。")
    assert draft.draft_version.state == VersionState.returned
    assert review.history_of(draft)[-1].comment == "请补充数据长度。"
    step(edit, draft, valid_values(summary="已补充。"), user=people["editor"])
    again = submit(draft, people["editor"])
    assert again.stage == ReviewStage.department and again.id != first.id


def test_authority_can_return_too(draft, people):
    step(review.approve, submit(draft, people["editor"]), user=people["reviewer"])
    step(review.return_, review.pending_review(draft), user=people["authority"], comment="共享条件过宽。")
    assert draft.draft_version.state == VersionState.returned


def test_version_in_review_cannot_be_edited_until_withdrawn(draft, people):
    submit(draft, people["editor"])
    with pytest.raises(Conflict) as error:
        step(edit, draft, valid_values(summary="改"), user=people["editor"])
    assert "正在部门审核中" in error.value.message and "请先撤回" in error.value.message
    step(catalog.withdraw, [draft], user=people["editor"])
    assert step(edit, draft, valid_values(summary="改"), user=people["editor"]) is not None
    assert db.session.scalars(select(Review.state).where(Review.entry_id == draft.id)).all() == [ReviewState.cancelled]


def test_reviewer_of_another_department_cannot_decide(draft, people):
    first = submit(draft, people["editor"])
    with pytest.raises(PermissionDenied):
        step(review.approve, first, user=people["other_reviewer"])
    with pytest.raises(PermissionDenied):
        step(review.approve, first, user=people["authority"])  # not the authority's stage yet


def test_a_decided_review_cannot_be_decided_again(draft, people):
    first = submit(draft, people["editor"])
    step(review.return_, first, user=people["reviewer"], comment="退回")
    with pytest.raises(Conflict):
        step(review.approve, first, user=people["reviewer"])


# ---- a version under department review is never published, whatever the path ------------------------------

def test_publishing_directly_refuses_a_version_under_department_review(draft, people):
    submit(draft, people["editor"])
    with pytest.raises(Conflict) as error:
        step(catalog.publish_directly, [draft], user=people["admin"], reason="赶时间")
    assert "当前为“部门审核中”" in error.value.message and "不能不经审核直接发布" in error.value.message
    assert draft.status == EntryStatus.draft and draft.draft_version.state == VersionState.department_review
    assert review.pending_review(draft).stage == ReviewStage.department


def test_the_authority_cannot_publish_a_version_under_department_review(draft, people):
    submit(draft, people["editor"])
    with pytest.raises(PermissionDenied) as error:  # the decision open now is the department's
        step(catalog.approve, [draft], user=people["authority"], confirm=True)
    assert "您无权执行「部门审核通过」" in error.value.message
    with pytest.raises(Conflict) as error:  # and the authority's own transition does not start there
        step(VERSION.fire, "approve_authority", draft.draft_version, actor=people["authority"], confirm=True)
    assert "当前为“部门审核中”，不能主管部门审核通过并发布（仅“主管部门审核中”状态可以）" in error.value.message
    assert draft.status == EntryStatus.draft and review.pending_review(draft).state == ReviewState.pending


def test_an_admin_approving_a_department_review_sends_it_on_without_publishing(draft, people):
    step(review.approve, submit(draft, people["editor"]), user=people["admin"])
    assert draft.status == EntryStatus.draft and draft.draft_version.state == VersionState.authority_review


def test_revision_review_lists_the_changes(make_entry, people, admin):
    entry = make_entry(user=people["editor"])
    step(edit, entry, valid_values(sharing_type="not_shared", sharing_condition=None, sharing_method_category=None,
                                   sharing_method_type=None, non_sharing_basis="《中华人民共和国保守国家秘密法》第二十八条",
                                   data_items=valid_values()["data_items"][2:]), user=people["editor"])
    first = submit(entry, people["editor"])
    assert any(r.startswith("修订：与现行发布版相比有") for r in first.reasons)
    assert "共享类型变更：有条件共享 → 不予共享" in first.reasons


def test_bulk_approval_skips_entries_that_need_judgement(make_entry, people):
    from tests.portal.test_portal import OPEN
    safe = make_entry(publish=False, user=people["editor"], **{**OPEN, "open_to_public": False,
                                                               "open_condition": None})
    sensitive = make_entry(publish=False, user=people["editor"], name="另一个资源")
    reviews = [submit(e, people["editor"]) for e in (safe, sensitive)]
    approved, skipped = step(review.bulk_approve, [r.id for r in reviews], user=people["reviewer"])
    assert [r.entry_id for r in approved] == [safe.id]
    assert [(r.entry_id, why) for r, why in skipped] == [(sensitive.id, "须逐条审核（需确认共享类型或涉及敏感信息）")]
    assert safe.draft_version.state == VersionState.authority_review
    assert sensitive.draft_version.state == VersionState.department_review


def test_database_keeps_one_pending_review_per_entry(draft, people):
    first = submit(draft, people["editor"])
    with pytest.raises(IntegrityError), transaction(), firing():
        db.session.add(Review(entry_id=draft.id, version_id=first.version_id, stage=ReviewStage.authority,
                              state=ReviewState.pending, department_id=draft.department_id))
        db.session.flush()


def test_database_refuses_a_return_without_comment(draft, people):
    first = submit(draft, people["editor"])
    with pytest.raises(IntegrityError), transaction(), firing():
        first.state = ReviewState.returned
        first.comment = ""
        db.session.flush()


def test_retiring_cancels_the_pending_review(draft, people, admin):
    submit(draft, people["editor"])
    step(catalog.retire, [draft], user=admin, reason="职能调整")
    assert review.pending_review(draft) is None
    states = db.session.scalars(select(Review.state).where(Review.entry_id == draft.id)).all()
    assert states == [ReviewState.cancelled]
    assert draft.versions[0].state == VersionState.discarded


def test_queue_shows_each_reviewer_their_stage(draft, people):
    first = submit(draft, people["editor"])
    mine = db.session.scalars(review.queue_query(people["reviewer"])).unique().all()
    theirs = db.session.scalars(review.queue_query(people["other_reviewer"])).unique().all()
    authority = db.session.scalars(review.queue_query(people["authority"])).unique().all()
    assert [r.id for r in mine] == [first.id] and theirs == [] and authority == []


def test_a_user_with_two_roles_sees_both_queues(draft, make_user, people):
    """A 公安局 reviewer who is also an authority reviewer: the department's stage and every authority stage."""
    both = make_user(("department_reviewer", "authority_reviewer"), "市公安局")
    other = make_entry_in(people, "市民政局")
    first = submit(draft, people["editor"])
    step(review.approve, submit(other, people["admin"]), user=people["admin"])
    seen = {r.id for r in db.session.scalars(review.queue_query(both)).unique()}
    assert seen == {first.id, review.pending_review(other).id}


def make_entry_in(people, department_name):
    from app.org import Department
    department = db.session.scalar(select(Department).where(Department.name == department_name))
    with transaction():
        return catalog.create_entry(valid_values(provider=department.id, name="婚姻登记信息"), user=people["admin"])
