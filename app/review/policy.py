"""Who may decide which review, and who sees the queue: read from the version workflow's grants, so the queue
shows exactly the reviews whose decision the services would accept."""
from __future__ import annotations

from sqlalchemy import false, or_

from app.catalog import APPROVE, VERSION, policy as catalog_policy

from .models import Review, ReviewStage, ReviewState


def decision(review: Review) -> str:
    """The version transition approving this review fires (approve_department / approve_authority)."""
    return APPROVE[review.stage.version_state]


def may_decide(user, review: Review) -> bool:
    """The user holds a grant for this review's stage on this entry (whatever state it is in)."""
    transition = VERSION.transition(decision(review))
    return VERSION.granted(transition, user, {"own": review.department_id})


def can_decide(user, review: Review) -> bool:
    """For buttons: the review is pending and the user may decide it."""
    return review.state == ReviewState.pending and may_decide(user, review)


def can_see(user, review: Review) -> bool:
    return may_decide(user, review) or catalog_policy.can_see_working(user, review.entry)


def queue_filter(user):
    """SQL condition: the pending reviews this user may decide (a grant per stage: own department, or any)."""
    roles = user.role_keys if catalog_policy.is_government(user) else frozenset()
    conditions = []
    for stage in ReviewStage:
        transition = VERSION.transition(APPROVE[stage.version_state])
        for grant in transition.grants:
            if grant.role not in roles:
                continue
            if grant.relation is None:
                conditions.append(Review.stage == stage)
            else:  # "own": the entry's department, which the review row carries
                conditions.append((Review.stage == stage) & (Review.department_id == user.department_id))
    return or_(*conditions) if conditions else false()


def can_see_queue(user) -> bool:
    if not catalog_policy.is_government(user):
        return False
    return any(g.role in user.role_keys for key in APPROVE.values() for g in VERSION.transition(key).grants)


def queue_departments(user) -> frozenset[int] | None:
    """The departments whose reviews reach this user's queue: None for all (a grant for any department, as the
    authority's and the admin's), else their own department (a department reviewer's)."""
    roles = user.role_keys if catalog_policy.is_government(user) else frozenset()
    own = set()
    for key in APPROVE.values():
        for grant in VERSION.transition(key).grants:
            if grant.role in roles:
                if grant.relation is None:
                    return None
                own.add(user.department_id)
    return frozenset(own)
