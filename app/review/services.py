"""The review workflow (审核): submit → department review → authority review → publish; return at either level.

Transitions assert the current state, check permissions, write an audit entry and flush; the database keeps one
pending review per entry and a comment on every return.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app import audit
from app.accounts.models import Role
from app.catalog import services as catalog
from app.catalog import signals
from app.catalog.diff import diff_values
from app.catalog.models import Entry, EntryStatus, EntryVersion, VersionState
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from catalog_schema import Problem, get_schema

from .models import Review, ReviewStage, ReviewState

CONFIRM_TYPES = ("conditional", "not_shared")


# ---- permissions ---------------------------------------------------------------------------------

def can_submit(user, department_id: int) -> bool:
    return bool(user and user.is_authenticated and (
        user.role == Role.admin or (user.role == Role.editor and user.department_id == department_id)))


def can_decide(user, review: Review) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.role == Role.admin:
        return True
    if review.stage == ReviewStage.department:
        return user.role == Role.department_reviewer and user.department_id == review.department_id
    return user.role == Role.authority_reviewer


# ---- why a review needs attention ------------------------------------------------------------------

def attention(version: EntryVersion, published: EntryVersion | None) -> tuple[list[str], bool]:
    """Reasons a reviewer should look closely, and whether the authority must confirm the sharing type."""
    return attention_for(version.data, published.data if published is not None else None)


def attention_for(data: dict, published: dict | None) -> tuple[list[str], bool]:
    schema = get_schema()
    reasons = []
    sharing = data.get("sharing_type")
    if sharing == "conditional":
        reasons.append("有条件共享：须由主管部门确认共享条件（郑州 §15）")
    elif sharing == "not_shared":
        reasons.append("不予共享：须由主管部门确认不予共享依据（郑州 §15）")
    if data.get("sensitivity"):
        reasons.append("涉及敏感信息：" + schema.display(schema.field("sensitivity"), data["sensitivity"]))
    if data.get("open_to_public"):
        reasons.append("向社会开放：请确认开放条件")
    if published is None:
        reasons.append("新登记资源")
    else:
        changes = diff_values(published, data)
        reasons.append(f"修订：与现行发布版相比有 {changes.count} 处变化")
        if published.get("sharing_type") != sharing:
            reasons.append("共享类型变更：" + " → ".join(
                schema.vocabulary("sharing_type").label_of(v) for v in (published.get("sharing_type"), sharing)))
    return reasons, sharing in CONFIRM_TYPES


def is_safe_for_bulk(review: Review) -> bool:
    """Bulk approval is for reviews nobody has to think about: no confirmation, nothing sensitive."""
    return not review.needs_confirmation and not review.version.data.get("sensitivity")


# ---- transitions ------------------------------------------------------------------------------------

def pending_review(entry: Entry) -> Review | None:
    return db.session.scalar(select(Review).where(Review.entry_id == entry.id, Review.state == ReviewState.pending))


def _open_review(entry: Entry, version: EntryVersion, stage: ReviewStage, user) -> Review:
    reasons, confirm = attention(version, entry.published_version)
    review = Review(entry_id=entry.id, version_id=version.id, stage=stage, state=ReviewState.pending,
                    reasons=reasons, needs_confirmation=confirm, requested_by_id=user.id,
                    department_id=entry.department_id, sharing_type=version.data.get("sharing_type") or "")
    db.session.add(review)
    db.session.flush()
    return review


def submit(entry: Entry, *, user, note: str | None = None) -> Review:
    """提交审核: the working version goes to its department's reviewers."""
    if not can_submit(user, entry.department_id):
        raise PermissionDenied(f"您无权提交“{entry.department.name}”的信息资源", "you may not submit this entry")
    version = entry.draft_version
    if entry.status == EntryStatus.retired or version is None:
        raise Conflict("该信息资源没有可提交的草稿", "the entry has no draft to submit")
    if not version.state.editable:
        raise Conflict("该信息资源已在审核中", "the entry is already in review")
    version.state = VersionState.in_review
    if note:
        version.change_note = note.strip()[:1000]
    review = _open_review(entry, version, ReviewStage.department, user)
    audit.record("review.submit", entry, actor=user, department_id=entry.department_id,
                 summary=f"提交审核 {entry.resource_code} 第 {version.number} 版", details={"review": review.id})
    db.session.flush()
    return review


def submit_created(created: list[tuple[int, int, dict]], departments: list[int], *, user, note: str) -> int:
    """Bulk 提交审核 of version-1 drafts just made by `catalog.create_checked_entries` (imports)."""
    if not created:
        return 0
    for department_id in set(departments):
        if not can_submit(user, department_id):
            raise PermissionDenied("您无权提交其他部门的信息资源", "you may not submit this department's entries")
    from sqlalchemy import bindparam, insert
    now = utcnow()
    versions = EntryVersion.__table__
    db.session.execute(
        versions.update().where(versions.c.id == bindparam("version"))
        .values(state=VersionState.in_review, change_note=note, lock_version=versions.c.lock_version + 1),
        [{"version": version_id} for _e, version_id, _d in created])
    rows = []
    for (entry_id, version_id, data), department_id in zip(created, departments):
        reasons, confirm = attention_for(data, None)
        rows.append({"entry_id": entry_id, "version_id": version_id, "stage": ReviewStage.department,
                     "state": ReviewState.pending, "reasons": reasons, "needs_confirmation": confirm,
                     "requested_by_id": user.id, "requested_at": now, "department_id": department_id,
                     "sharing_type": data.get("sharing_type") or ""})
    db.session.execute(insert(Review), rows)
    audit.record_many([{"action": "review.submit", "object_type": "entry", "object_id": entry_id,
                        "actor_id": user.id, "department_id": department_id, "summary": "提交审核（Excel 批量导入）"}
                       for (entry_id, _v, _d), department_id in zip(created, departments)])
    db.session.flush()
    return len(rows)


def withdraw(entry: Entry, *, user) -> None:
    """撤回: the editor takes a pending submission back to edit it."""
    review = pending_review(entry)
    if not can_submit(user, entry.department_id):
        raise PermissionDenied("您无权撤回该提交", "you may not withdraw this submission")
    if review is None:
        raise Conflict("该信息资源没有待审核的提交", "nothing to withdraw")
    review.state = ReviewState.cancelled
    review.decided_by_id, review.decided_at = user.id, utcnow()
    entry.draft_version.state = VersionState.draft
    audit.record("review.withdraw", entry, actor=user, department_id=entry.department_id,
                 summary=f"撤回审核 {entry.resource_code}", details={"review": review.id})
    db.session.flush()


def _decide(review: Review, user) -> None:
    if review.state != ReviewState.pending:
        raise Conflict("该审核已处理，请刷新队列", "the review has already been decided")
    if not can_decide(user, review):
        raise PermissionDenied(f"您无权处理此{review.stage.label}", "you may not decide this review")


def approve(review: Review, *, user, confirm: bool = False, comment: str | None = None) -> Review:
    """通过: department approval sends it to the authority; authority approval publishes it."""
    _decide(review, user)
    if review.stage == ReviewStage.authority and review.needs_confirmation and not confirm:
        raise InvalidInput([Problem("confirm", "确认共享类型",
                                    "「确认共享类型」须勾选：有条件共享、不予共享的资源须由主管部门确认后方可发布",
                                    "the authority must confirm a conditional or not_shared classification")])
    review.state = ReviewState.approved
    review.decided_by_id, review.decided_at = user.id, utcnow()
    review.comment = (comment or "").strip()[:2000] or None
    entry = review.entry
    db.session.flush()
    audit.record("review.approve", entry, actor=user, department_id=entry.department_id,
                 summary=f"{review.stage.label}通过 {entry.resource_code}", details={"review": review.id})
    if review.stage == ReviewStage.department:
        return _open_review(entry, review.version, ReviewStage.authority, user)
    catalog.publish(entry, user=user, note=review.version.change_note)
    return review


def return_(review: Review, *, user, comment: str) -> Review:
    """退回: back to the editor with a comment saying what to change."""
    _decide(review, user)
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput([Problem("comment", "退回意见", "「退回意见」为必填项：请写明需要修改的内容",
                                    "a comment is required to return an entry")])
    if len(comment) > 2000:
        raise InvalidInput([Problem("comment", "退回意见", "「退回意见」不能超过 2000 个字符", "comment too long")])
    review.state = ReviewState.returned
    review.decided_by_id, review.decided_at = user.id, utcnow()
    review.comment = comment
    review.version.state = VersionState.returned
    entry = review.entry
    audit.record("review.return", entry, actor=user, department_id=entry.department_id,
                 summary=f"{review.stage.label}退回 {entry.resource_code}：{comment[:100]}",
                 details={"review": review.id})
    db.session.flush()
    return review


def bulk_approve(review_ids: list[int], *, user) -> tuple[list[Review], list[tuple[Review, str]]]:
    """Approve several reviews at once; those that need a person's judgement are skipped with the reason."""
    approved, skipped = [], []
    reviews = db.session.scalars(select(Review).where(Review.id.in_(review_ids)).order_by(Review.id)).all()
    for review in reviews:
        if review.state != ReviewState.pending:
            skipped.append((review, "已处理"))
        elif not can_decide(user, review):
            skipped.append((review, "无权处理"))
        elif not is_safe_for_bulk(review):
            skipped.append((review, "须逐条审核（需确认共享类型或涉及敏感信息）"))
        else:
            approve(review, user=user)
            approved.append(review)
    return approved, skipped


# ---- reading the queue -----------------------------------------------------------------------------

def queue_query(user, *, department_id: int | None = None, sharing_type: str | None = None,
                waiting_days: int | None = None) -> Select:
    """Pending reviews this user may decide, oldest first, with filters."""
    stmt = (select(Review).where(Review.state == ReviewState.pending)
            .options(joinedload(Review.entry).joinedload(Entry.department), joinedload(Review.version))
            .order_by(Review.requested_at, Review.id))
    if user.role == Role.department_reviewer:
        stmt = stmt.where(Review.stage == ReviewStage.department, Review.department_id == user.department_id)
    elif user.role == Role.authority_reviewer:
        stmt = stmt.where(Review.stage == ReviewStage.authority)
    elif user.role != Role.admin:
        stmt = stmt.where(False)
    if department_id:
        stmt = stmt.where(Review.department_id == department_id)
    if sharing_type:
        stmt = stmt.where(Review.sharing_type == sharing_type)
    if waiting_days:
        stmt = stmt.where(Review.requested_at <= utcnow() - dt.timedelta(days=waiting_days))
    return stmt


def is_overdue(review: Review) -> bool:
    return review.requested_at <= utcnow() - dt.timedelta(days=current_app.config["REVIEW_OVERDUE_DAYS"])


@signals.entry_retired.connect
def _cancel_pending_on_retire(entry: Entry, user=None, **_kwargs) -> None:
    """A retired entry leaves the queue: its pending review is cancelled."""
    review = pending_review(entry)
    if review is not None:
        review.state = ReviewState.cancelled
        review.decided_by_id, review.decided_at = getattr(user, "id", None), utcnow()


def latest_return_comments(entry_ids: list[int]) -> dict[int, str]:
    """The comment of the latest return of each entry, in one query (for lists of returned entries)."""
    if not entry_ids:
        return {}
    rows = db.session.execute(select(Review.entry_id, Review.comment).where(
        Review.entry_id.in_(entry_ids), Review.state == ReviewState.returned).order_by(Review.id)).all()
    return {entry_id: comment for entry_id, comment in rows}


def history_of(entry: Entry) -> list[Review]:
    return db.session.scalars(select(Review).where(Review.entry_id == entry.id)
                              .options(joinedload(Review.decided_by), joinedload(Review.requested_by))
                              .order_by(Review.id)).all()
