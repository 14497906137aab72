"""/healthz: is this instance able to serve? The database, the search backend and the job queue, each asked once.

For load balancers and monitoring: no login, JSON, 200 when every part answers and 503 ("degraded") otherwise.
Each part says in a short Chinese and English message what was checked; counts, never addresses, file paths,
user names or error texts (an error is named by its class only, and logged in full). Like every GET it only
reads: the read-only guard refuses any INSERT, UPDATE or DELETE during the request.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import Blueprint, jsonify
from sqlalchemy import text

from app import imports, indexing, outbox
from app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """{"status": "ok" | "degraded", "database": {...}, "search": {...}, "job_queue": {...}}; 200 or 503."""
    parts = {"database": _check(_database, "数据库", "database"),
             "search": _check(_search, "检索服务", "search backend"),
             "job_queue": _check(_job_queue, "后台任务队列", "job queue")}
    healthy = all(part["ok"] for part in parts.values())
    body = {"status": "ok" if healthy else "degraded", **parts}
    return jsonify(body), 200 if healthy else 503, {"Cache-Control": "no-store"}


def _check(probe: Callable[[], dict], name: str, name_en: str) -> dict:
    """Run one probe: its details and messages, or, when it raises, a message naming the part and the error's
    class (the full error goes to the log, not to whoever asked)."""
    started = time.perf_counter()
    try:
        part = {"ok": True, **probe()}
    except Exception as error:  # a health check reports every failure instead of failing itself
        db.session.rollback()
        log.warning("health check of the %s failed", name_en, exc_info=True)
        part = {"ok": False, "message": f"{name}无法访问（{type(error).__name__}）",
                "message_en": f"{name_en} unreachable ({type(error).__name__})"}
    part["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return part


def _database() -> dict:
    db.session.execute(text("SELECT 1")).scalar_one()
    return {"message": "数据库可以访问", "message_en": "database reachable"}


def _search() -> dict:
    documents = indexing.backend().count()
    waiting = indexing.pending()
    backlog = {row["topic"]: {"waiting": row["count"], "failing": row["failing"]} for row in outbox.backlog()}
    failing = sum(row["failing"] for row in backlog.values())
    message = f"检索服务正常，索引中有 {documents} 条，待更新 {waiting} 条"
    message_en = f"search backend answering: {documents} documents, {waiting} index updates waiting"
    if failing:
        message += f"；后台待办中有 {failing} 条曾处理失败，正在重试"
        message_en += f"; {failing} after-commit messages failed and are being retried"
    return {"documents": documents, "index_pending": waiting, "outbox": backlog,
            "message": message, "message_en": message_en}


def _job_queue() -> dict:
    queue = imports.job_queue()
    waiting = queue.pending_count()
    queue.storage.peek_data("healthz")  # the key-value store that carries progress and cancel requests
    return {"pending": waiting, "message": f"后台任务队列可以访问，等待中的任务 {waiting} 个",
            "message_en": f"job queue reachable: {waiting} tasks waiting"}
