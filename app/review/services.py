"""Reviews (审核): the record of each review step, kept in step with the version workflow, and the queue.

Submitting, approving, returning and withdrawing are the catalog's version transitions (who may fire them is
declared there). This module follows them inside the same transaction: a submission opens a department review,
a department approval closes it and opens the authority's, the authority's approval closes it (the version is
published), a return or a withdrawal closes it. So there is never a pending review whose version is not in
review, whichever path fired the transition.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import joinedload

from app import catalog, workdays
from app.catalog import VERSION, Entry, EntryVersion, diff_values, needs_confirmation
from app.core.clock import today
from app.core.db import utcnow
from app.core.timefmt import local
from app.core.errors import Conflict, NotFound, PermissionDenied
from app.core.legal import basis
from app.extensions import db
from catalog_schema import get_schema

from . import policy
from .models import Review, ReviewStage, ReviewState
from .workflows import REVIEW


# ---- why a review needs attention ------------------------------------------------------------------

def attention_for(data: dict, published: dict | None, returned: dict | None = None) -> tuple[list[str], bool]:
    """Reasons a reviewer should look closely, and whether the authority must confirm the sharing type.
    `returned`: the data of this version when it was last returned (a resubmission is no new entry)."""
    schema = get_schema()
    reasons = []
    sharing = data.get("sharing_type")
    if sharing == "conditional":
        reasons.append(f"有条件共享：须由主管部门确认共享条件（{basis('郑州', 15)}）")
    elif sharing == "not_shared":
        reasons.append(f"不予共享：须由主管部门确认不予共享依据（{basis('郑州', 15)}）")
    if data.get("sensitivity"):
        reasons.append("涉及敏感信息：" + schema.display(schema.field("sensitivity"), data["sensitivity"]))
    if data.get("open_to_public"):
        reasons.append("向社会开放：请确认开放条件")
    if returned is not None:
        reasons.append(f"退回后重新提交：与退回时相比有 {diff_values(returned, data).count} 处变化")
    if published is None:
        if returned is None:
            reasons.append("新登记资源")
    else:
        changes = diff_values(published, data)
        reasons.append(f"修订：与现行发布版相比有 {changes.count} 处变化")
        if published.get("sharing_type") != sharing:
            reasons.append("共享类型变更：" + " → ".join(
                schema.vocabulary("sharing_type").label_of(v) for v in (published.get("sharing_type"), sharing)))
    return reasons, needs_confirmation(data)


def is_safe_for_bulk(review: Review) -> bool:
    """Bulk approval is for reviews nobody has to think about: no confirmation, nothing sensitive."""
    return not review.needs_confirmation and not review.version.data.get("sensitivity")


# ---- following the version workflow ----------------------------------------------------------------

@VERSION.fired.connect
def _follow_version(transition: str, *, objects, actor, context, **_kwargs) -> None:
    if objects is None:
        return
    comment = context.get("comment")
    if transition == "submit":
        _open(objects, ReviewStage.department, actor)
    elif transition == "approve_department":
        _close(objects, "approve", actor, comment)
        _open(objects, ReviewStage.authority, actor)
    elif transition == "approve_authority":
        _close(objects, "approve", actor, comment)
    elif transition in ("return_department", "return_authority"):
        _close(objects, "return", actor, comment)
    elif transition in ("withdraw", "discard"):
        _close(objects, "cancel", actor, None)


def _open(versions: Sequence[EntryVersion], stage: ReviewStage, actor) -> None:
    now = utcnow()
    rows = []
    returned = _returned_data([v.id for v in versions])
    for version in versions:
        published = version.entry.published_version
        reasons, confirm = attention_for(version.data, published.data if published is not None else None,
                                         returned.get(version.id))
        rows.append({"entry_id": version.entry_id, "version_id": version.id, "stage": stage, "reasons": reasons,
                     "data": version.data,
                     "needs_confirmation": confirm, "requested_by_id": getattr(actor, "id", None),
                     "requested_at": now, "department_id": version.entry.department_id,
                     "sharing_type": version.data.get("sharing_type") or ""})

    def insert_rows(state: str) -> list[int]:
        return db.session.scalars(insert(Review).returning(Review.id, sort_by_parameter_order=True),
                                  [{**row, "state": state} for row in rows]).all()

    REVIEW.create("open", actor=actor, related=[{"own": r["department_id"]} for r in rows], insert=insert_rows,
                  internal=True, departments=[r["department_id"] for r in rows],
                  names=[f"{v.entry.resource_code} 第 {v.number} 版{stage.label}" for v in versions],
                  details=[{"entry": v.entry_id, "version": v.number, "stage": stage.value} for v in versions])


def _returned_data(version_ids: list[int]) -> dict[int, dict]:
    """The data each version had when it was last returned (versions never returned are left out)."""
    rows = db.session.execute(select(Review.version_id, Review.data).where(
        Review.version_id.in_(version_ids), Review.state == ReviewState.returned, Review.data.is_not(None))
        .order_by(Review.id)).all()
    return {version_id: data for version_id, data in rows}


def _close(versions: Sequence[EntryVersion], transition: str, actor, comment: str | None) -> None:
    reviews = db.session.scalars(select(Review).where(
        Review.version_id.in_([v.id for v in versions]), Review.state == ReviewState.pending)
        .order_by(Review.id)).all()
    now = utcnow()
    for review in reviews:
        review.decided_by_id, review.decided_at = getattr(actor, "id", None), now
        review.comment = comment or None
    REVIEW.fire_internal(transition, reviews, actor=actor, comment=comment)
    db.session.flush()


# ---- decisions from the review pages ----------------------------------------------------------------

def get_review_or_404(review_id: int) -> Review:
    review = db.session.get(Review, review_id) if 0 < review_id < 2 ** 31 else None
    if review is None:
        raise NotFound("未找到该审核", "review not found")
    return review


def _decidable(review: Review, user) -> Entry:
    if not policy.may_decide(user, review):
        raise PermissionDenied(f"您无权处理此{review.stage.label}", "you may not decide this review")
    if review.state != ReviewState.pending or review.entry.draft_version_id != review.version_id:
        raise Conflict("该审核已处理，请刷新队列", "the review has already been decided")
    return review.entry


def approve(review: Review, *, user, confirm: bool = False, comment: str | None = None) -> None:
    """通过: department approval sends it to the authority; the authority's approval publishes it."""
    catalog.approve([_decidable(review, user)], user=user, confirm=confirm, comment=comment)


def return_(review: Review, *, user, comment: str) -> None:
    """退回: back to the editor with a comment saying what to change."""
    catalog.return_([_decidable(review, user)], user=user, comment=comment)


def bulk_approve(review_ids: list[int], *, user) -> tuple[list[Review], list[tuple[Review, str]]]:
    """Approve several reviews at once; those that need a person's judgement are skipped with the reason."""
    approved, skipped = [], []
    reviews = db.session.scalars(select(Review).where(Review.id.in_(review_ids)).order_by(Review.id)).all()
    for review in reviews:
        if not policy.may_decide(user, review):
            skipped.append((review, "无权处理"))
        elif review.state != ReviewState.pending:
            skipped.append((review, "已处理"))
        elif not is_safe_for_bulk(review):
            skipped.append((review, "须逐条审核（需确认共享类型或涉及敏感信息）"))
        else:
            approved.append(review)
    if approved:
        catalog.approve([r.entry for r in approved], user=user)
    return approved, skipped


# ---- reading the queue -----------------------------------------------------------------------------

def queue_query(user, *, department_id: int | None = None, sharing_type: str | None = None,
                waiting_days: int | None = None) -> Select:
    """Pending reviews this user may decide, oldest first, with filters."""
    stmt = (select(Review).where(Review.state == ReviewState.pending, policy.queue_filter(user))
            .options(joinedload(Review.entry).joinedload(Entry.department), joinedload(Review.version))
            .order_by(Review.requested_at, Review.id))
    if department_id:
        stmt = stmt.where(Review.department_id == department_id)
    if sharing_type:
        stmt = stmt.where(Review.sharing_type == sharing_type)
    if waiting_days:
        stmt = stmt.where(Review.requested_at < _waited_since(waiting_days))
    return stmt


def pending_count(user) -> int:
    """How many reviews wait for this user's decision (the menu's 审核队列 count): one COUNT."""
    return db.session.scalar(select(func.count(Review.id)).where(Review.state == ReviewState.pending,
                                                                policy.queue_filter(user))) or 0


def _waited_since(working_days: int) -> dt.datetime:
    """Reviews requested before this moment (UTC) have waited at least `working_days` working days by today:
    requested on a local day before the `working_days`-th working day counting back from today (included)."""
    first = workdays.add_working_days(today() + dt.timedelta(days=1), -working_days, provisional_ok=True)
    midnight = dt.datetime.combine(first, dt.time(), ZoneInfo(current_app.config["TIMEZONE"]))
    return midnight.astimezone(dt.timezone.utc).replace(tzinfo=None)


def due(review: Review) -> workdays.Due:
    """When this review step should be decided: the deadline declared on the review's `open` transition, in
    working days from the (local) day it was requested."""
    return REVIEW.due("open", local(review.requested_at).date())


def is_overdue(review: Review) -> bool:
    """Overdue once the due day has passed (the step may still be decided on the due day itself)."""
    return due(review).on < today()


def pending_review(entry: Entry) -> Review | None:
    return db.session.scalar(select(Review).where(Review.entry_id == entry.id, Review.state == ReviewState.pending))


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


# ---- context for the reviewer and the editor ---------------------------------------------------------------

@dataclass
class ReviewContext:
    """What a reviewer reads beside a review: the earlier steps of the entry (decision, reviewer, time, comment),
    the department's decision this authority review follows, and the version as it was last returned."""

    trail: list[Review]
    department_decision: Review | None
    returned: Review | None  # the last return of this version, with the data it was returned with


def context_of(review: Review) -> ReviewContext:
    earlier = [r for r in history_of(review.entry) if r.id != review.id and r.state != ReviewState.pending
               and r.id < review.id]
    same_version = [r for r in earlier if r.version_id == review.version_id]
    department = None
    if review.stage == ReviewStage.authority:
        department = next((r for r in reversed(same_version) if r.stage == ReviewStage.department
                           and r.state == ReviewState.approved), None)
    returned = next((r for r in reversed(same_version) if r.state == ReviewState.returned), None)
    return ReviewContext(earlier, department, returned)


def returns_of_working_version(entry: Entry) -> list[Review]:
    """The returns of the entry's working version while it waits to be changed (newest first), for the edit form."""
    version = entry.draft_version
    if version is None or version.state.value != "returned":
        return []
    return db.session.scalars(select(Review).where(Review.version_id == version.id,
                                                   Review.state == ReviewState.returned)
                              .options(joinedload(Review.decided_by)).order_by(Review.id.desc())).all()
