"""The transactional outbox: messages written with the change, handled after commit by their topic's consumer.

    emit("search.index", key=f"entry:{id}", payload={"entry_id": id})   # inside the unit of work
    register("search.index", handle_batch)                              # at import time, by the consumer

After each edge commits, the messages it wrote are handled at once (a user sees their own change in the next
page); the background worker drains everything else, with retries and exponential backoff. A handler takes a
batch of payloads and must be idempotent: a message may be handled twice after a crash, never zero times.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import case, delete, event, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.core.db import on_commit, utcnow
from app.extensions import db

from .models import OutboxMessage

log = logging.getLogger(__name__)
SESSION_KEY = "outbox_new_ids"
CLAIM_SIZE = 5000  # messages claimed at once: a consumer gets up to its batch size of them in one call


@dataclasses.dataclass(frozen=True)
class Consumer:
    topic: str
    handle: Callable[[list[dict]], None]
    batch: int
    background: bool = False  # never handled right after a request's commit (slow work: mail, adapters)


class Retry(Exception):
    """A handler's answer for a passing condition (a busy index writer): try again soon, not an error."""

    def __init__(self, message: str = "", seconds: float = 1.0):
        super().__init__(message)
        self.seconds = seconds


CONSUMERS: dict[str, Consumer] = {}


def register(topic: str, handle: Callable[[list[dict]], None], *, batch: int = 500,
             background: bool = False) -> None:
    """The handler of a topic: called with up to `batch` payloads, in the order they were written. A
    `background` topic is left to the worker even after a request's own commit, so no click waits on it."""
    CONSUMERS[topic] = Consumer(topic, handle, batch, background)


# ---- writing ---------------------------------------------------------------------------------------------

def emit(topic: str, key: str, payload: dict) -> None:
    emit_many(topic, [(key, payload)])


def emit_many(topic: str, messages: Iterable[tuple[str, dict]]) -> None:
    """Write messages in the current unit of work; they exist only if it commits."""
    rows = [{"topic": topic, "key": key, "payload": payload} for key, payload in messages]
    if not rows:
        return
    if topic not in CONSUMERS:
        raise LookupError(f"outbox topic {topic!r} has no consumer")
    now = utcnow()
    ids = db.session.scalars(insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
                             [{**row, "attempts": 0, "created_at": now, "available_at": now} for row in rows]).all()
    if not CONSUMERS[topic].background:
        db.session.info.setdefault(SESSION_KEY, []).extend(ids)


@on_commit
def _drain_own() -> None:
    """After an edge's commit: handle the messages it wrote (the rest is the worker's)."""
    ids = db.session.info.pop(SESSION_KEY, None)
    if ids:
        drain(ids=ids, limit=len(ids))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    """The messages a rolled-back unit of work wrote no longer exist."""
    session.info.pop(SESSION_KEY, None)


# ---- draining --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class DrainResult:
    handled: int = 0
    failed: int = 0
    waiting: int = 0  # claimed by someone else, or behind an earlier message of the same object


def drain(*, ids: list[int] | None = None, limit: int = 5000) -> DrainResult:
    """Handle ready messages (all of them, or only `ids`), oldest first, per object in order. Call it outside a
    transaction; it commits its own small ones. Returns what happened."""
    result = DrainResult()
    remaining = limit
    pending_ids = list(ids) if ids is not None else None
    while remaining > 0:
        batch = _claim(min(remaining, CLAIM_SIZE), pending_ids)
        if not batch:
            break
        remaining -= len(batch)
        if pending_ids is not None:
            taken = {m.id for m in batch}
            pending_ids = [i for i in pending_ids if i not in taken]
        for topic, messages in _by_topic(batch):
            _handle(topic, messages, result)
        if pending_ids is not None and not pending_ids:
            break
    return result


def _claim(limit: int, ids: list[int] | None) -> list:
    """Take ready messages whose object has no earlier message still waiting; claim them for a while."""
    now = utcnow()
    lease = dt.timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    earlier = OutboxMessage.__table__.alias("earlier")
    blocked = (select(earlier.c.id).where(earlier.c.key == OutboxMessage.key, earlier.c.id < OutboxMessage.id)
               .exists())
    stmt = (select(OutboxMessage.id).where(OutboxMessage.available_at <= now, ~blocked,
                                           or_(OutboxMessage.claimed_until.is_(None),
                                               OutboxMessage.claimed_until < now))
            .order_by(OutboxMessage.id).limit(limit))
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids[:limit]))
    token = uuid.uuid4().hex
    try:
        candidates = db.session.scalars(stmt).all()
        if not candidates:
            db.session.rollback()
            return []
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(candidates),
                                        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
            .values(claim=token, claimed_until=now + lease))
        # plain rows, not ORM objects: the commit below would expire them all
        claimed = db.session.execute(select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.key,
                                            OutboxMessage.payload, OutboxMessage.attempts)
                                     .where(OutboxMessage.claim == token).order_by(OutboxMessage.id)).all()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return claimed


def _by_topic(messages: list) -> list[tuple[str, list]]:
    """Consecutive runs of one topic, so messages of one object stay in order across topics."""
    runs: list[tuple[str, list]] = []
    for message in messages:
        if runs and runs[-1][0] == message.topic:
            runs[-1][1].append(message)
        else:
            runs.append((message.topic, [message]))
    out = []
    for topic, run in runs:
        size = CONSUMERS[topic].batch if topic in CONSUMERS else len(run)
        out += [(topic, run[i:i + size]) for i in range(0, len(run), size)]
    return out


def _handle(topic: str, messages: list, result: DrainResult) -> None:
    ids = [m.id for m in messages]
    consumer = CONSUMERS.get(topic)
    try:
        if consumer is None:
            raise LookupError(f"no consumer for outbox topic {topic!r}")
        consumer.handle([dict(m.payload) for m in messages])
    except Retry as retry:
        db.session.rollback()
        _release(ids, error=None, delay=retry.seconds, count=False)
        result.waiting += len(ids)
        return
    except Exception as error:  # the messages stay; the worker retries them later
        db.session.rollback()
        log.exception("outbox %s: handling %d message(s) failed", topic, len(ids))
        attempts = max(m.attempts for m in messages) + 1
        _release(ids, error=f"{type(error).__name__}: {error}"[:2000], delay=backoff(attempts), count=True)
        result.failed += len(ids)
        return
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    db.session.commit()
    result.handled += len(ids)


def _release(ids: list[int], *, error: str | None, delay: float, count: bool) -> None:
    values: dict = {"claim": None, "claimed_until": None,
                    "available_at": utcnow() + dt.timedelta(seconds=delay)}
    if count:
        values.update(attempts=OutboxMessage.attempts + 1, last_error=error)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**values))
    db.session.commit()


def backoff(attempts: int) -> float:
    """Seconds before the next try: 2, 4, 8 … up to OUTBOX_MAX_BACKOFF_SECONDS."""
    return float(min(2 ** attempts, current_app.config["OUTBOX_MAX_BACKOFF_SECONDS"]))


# ---- the worker's loop and the backlog -------------------------------------------------------------------

def run_forever(app, stop: threading.Event, also: Iterable[Callable[[], object]] = ()) -> None:
    """The background worker's loop: drain the outbox (and do the other upkeep in `also`, e.g. failing jobs
    whose worker died) every OUTBOX_POLL_SECONDS until `stop` is set."""
    interval = app.config["OUTBOX_POLL_SECONDS"]
    while not stop.is_set():
        for work in (*also, drain):
            with app.app_context():
                try:
                    work()
                except Exception:
                    log.exception("worker upkeep %s failed; retrying", getattr(work, "__name__", work))
                finally:
                    db.session.remove()
        stop.wait(interval)


def backlog() -> list[dict]:
    """Per topic: messages waiting, the oldest one's time, how many have failed and the latest error."""
    rows = db.session.execute(
        select(OutboxMessage.topic, func.count(), func.min(OutboxMessage.created_at),
               func.sum(case((OutboxMessage.attempts > 0, 1), else_=0)))
        .group_by(OutboxMessage.topic).order_by(OutboxMessage.topic)).all()
    out = []
    for topic, count, oldest, failing in rows:
        error = db.session.scalar(select(OutboxMessage.last_error).where(
            OutboxMessage.topic == topic, OutboxMessage.last_error.is_not(None)).order_by(OutboxMessage.id.desc())
            .limit(1))
        out.append({"topic": topic, "count": count, "oldest": oldest, "failing": int(failing or 0),
                    "last_error": error})
    return out


def pending(topic: str | None = None) -> int:
    stmt = select(func.count(OutboxMessage.id))
    if topic:
        stmt = stmt.where(OutboxMessage.topic == topic)
    return db.session.scalar(stmt)


def discard(topic: str, *, up_to_id: int) -> None:
    """Drop a topic's messages up to an id (a full reindex made them moot)."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.topic == topic, OutboxMessage.id <= up_to_id))


def last_id() -> int:
    return db.session.scalar(select(func.max(OutboxMessage.id))) or 0
