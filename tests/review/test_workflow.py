"""The review workflow: submit → department review → authority review → published; returns with comments."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog import services as catalog
from app.catalog.models import EntryStatus, VersionState
from app.core.db import transaction
from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.review import services as review
from app.review.models import Review, ReviewStage, ReviewState
from tests.conftest import valid_values


@pytest.fixture
def people(make_user):
    return {
        "editor": make_user("editor", "市公安局"),
        "reviewer": make_user("department_reviewer", "市公安局"),
        "other_reviewer": make_user("department_reviewer", "市民政局"),
        "authority": make_user("authority_reviewer", "市政务服务数据管理局"),
    }


@pytest.fixture
def draft(make_entry, people):
    return make_entry(publish=False, user=people["editor"])


def step(fn, *args, **kwargs):
    with transaction():
        return fn(*args, **kwargs)


def test_entry_goes_through_both_reviews_to_publication(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    assert first.stage == ReviewStage.department and draft.draft_version.state == VersionState.in_review
    second = step(review.approve, first, user=people["reviewer"])
    assert second.stage == ReviewStage.authority and second.state == ReviewState.pending
    step(review.approve, second, user=people["authority"], confirm=True)
    assert draft.status == EntryStatus.published
    assert draft.published_version.number == 1 and draft.draft_version is None


def test_authority_must_confirm_conditional_sharing(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    second = step(review.approve, first, user=people["reviewer"])
    assert second.needs_confirmation
    assert any("郑州 §15" in reason for reason in second.reasons)
    with pytest.raises(InvalidInput) as error:
        step(review.approve, second, user=people["authority"])
    assert "「确认共享类型」须勾选" in error.value.problems[0].message
    assert second.state == ReviewState.pending and draft.status == EntryStatus.draft


def test_return_needs_a_comment_and_reaches_the_editor(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    with pytest.raises(InvalidInput):
        step(review.return_, first, user=people["reviewer"], comment=" ")
    step(review.return_, first, user=people["reviewer"], comment="请补充数据长度。")
    assert draft.draft_version.state == VersionState.returned
    assert review.history_of(draft)[-1].comment == "请补充数据长度。"
    step(catalog.update_draft, draft, valid_values(summary="已补充。"), user=people["editor"])
    again = step(review.submit, draft, user=people["editor"])
    assert again.stage == ReviewStage.department and again.id != first.id


def test_authority_can_return_too(draft, people):
    second = step(review.approve, step(review.submit, draft, user=people["editor"]), user=people["reviewer"])
    step(review.return_, second, user=people["authority"], comment="共享条件过宽。")
    assert draft.draft_version.state == VersionState.returned


def test_version_in_review_cannot_be_edited_until_withdrawn(draft, people):
    step(review.submit, draft, user=people["editor"])
    with pytest.raises(Conflict):
        step(catalog.update_draft, draft, valid_values(summary="改"), user=people["editor"])
    step(review.withdraw, draft, user=people["editor"])
    assert step(catalog.update_draft, draft, valid_values(summary="改"), user=people["editor"]) is not None


def test_reviewer_of_another_department_cannot_decide(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    with pytest.raises(PermissionDenied):
        step(review.approve, first, user=people["other_reviewer"])
    with pytest.raises(PermissionDenied):
        step(review.approve, first, user=people["authority"])  # not the authority's stage yet


def test_a_decided_review_cannot_be_decided_again(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    step(review.return_, first, user=people["reviewer"], comment="退回")
    with pytest.raises(Conflict):
        step(review.approve, first, user=people["reviewer"])


def test_revision_review_lists_the_changes(make_entry, people, admin):
    entry = make_entry(user=people["editor"])
    step(catalog.update_draft, entry, valid_values(sharing_type="not_shared", sharing_condition=None,
                                                  sharing_method_category=None, sharing_method_type=None,
                                                  non_sharing_basis="《中华人民共和国保守国家秘密法》第二十八条",
                                                  data_items=valid_values()["data_items"][2:]),
         user=people["editor"])
    first = step(review.submit, entry, user=people["editor"])
    assert any(r.startswith("修订：与现行发布版相比有") for r in first.reasons)
    assert "共享类型变更：有条件共享 → 不予共享" in first.reasons


def test_bulk_approval_skips_entries_that_need_judgement(make_entry, people):
    from tests.portal.test_portal import OPEN
    safe = make_entry(publish=False, user=people["editor"], **{**OPEN, "open_to_public": False,
                                                               "open_condition": None})
    sensitive = make_entry(publish=False, user=people["editor"], name="另一个资源")
    reviews = [step(review.submit, e, user=people["editor"]) for e in (safe, sensitive)]
    approved, skipped = step(review.bulk_approve, [r.id for r in reviews], user=people["reviewer"])
    assert [r.entry_id for r in approved] == [safe.id]
    assert [(r.entry_id, why) for r, why in skipped] == [(sensitive.id, "须逐条审核（需确认共享类型或涉及敏感信息）")]


def test_database_keeps_one_pending_review_per_entry(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    with pytest.raises(IntegrityError), transaction():
        db.session.add(Review(entry_id=draft.id, version_id=first.version_id, stage=ReviewStage.authority,
                              state=ReviewState.pending, department_id=draft.department_id))
        db.session.flush()


def test_database_refuses_a_return_without_comment(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    with pytest.raises(IntegrityError), transaction():
        first.state = ReviewState.returned
        first.comment = ""
        db.session.flush()


def test_retiring_cancels_the_pending_review(draft, people, admin):
    step(review.submit, draft, user=people["editor"])
    step(catalog.retire, draft, user=admin, reason="职能调整")
    assert review.pending_review(draft) is None
    states = db.session.scalars(select(Review.state).where(Review.entry_id == draft.id)).all()
    assert states == [ReviewState.cancelled]


def test_queue_shows_each_reviewer_their_stage(draft, people):
    first = step(review.submit, draft, user=people["editor"])
    mine = db.session.scalars(review.queue_query(people["reviewer"])).unique().all()
    theirs = db.session.scalars(review.queue_query(people["other_reviewer"])).unique().all()
    authority = db.session.scalars(review.queue_query(people["authority"])).unique().all()
    assert [r.id for r in mine] == [first.id] and theirs == [] and authority == []
