"""/healthz: the database, the search backend and the job queue, for anyone, without secrets, without writes."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from app import create_app, indexing
from app.core.db import _write_target
from app.extensions import db
from app.imports import job_queue


@pytest.fixture
def statements(app):
    """Every statement that reaches the database while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_a_healthy_instance_answers_200_with_each_part(app, client, published, statements):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["message"] == "数据库可以访问"
    assert body["search"]["ok"] and body["search"]["documents"] == 5 and body["search"]["index_pending"] == 0
    assert body["search"]["message"] == "检索服务正常，索引中有 5 条，待更新 0 条"
    assert body["job_queue"]["ok"] and body["job_queue"]["pending"] == 0
    assert all(body[part]["message_en"] for part in ("database", "search", "job_queue"))
    assert [s for s in statements if _write_target(s)[0]] == []  # a GET: nothing written


def test_no_secrets_in_the_answer(app, client):
    text = client.get("/healthz").get_data(as_text=True)
    for secret in (app.config["SECRET_KEY"], app.config["DATABASE_URL"], app.instance_path,
                   app.config["JOB_QUEUE"], app.config["SEARCH_INDEX_PATH"]):
        assert str(secret) not in text


def test_a_failing_search_backend_makes_the_instance_degraded(app, client, monkeypatch):
    def broken():
        raise ConnectionError("http://search-user:s3cret@10.0.0.5:9200 refused")

    monkeypatch.setattr(indexing.backend(), "count", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["search"] == {"ok": False, "message": "检索服务无法访问（ConnectionError）",
                              "message_en": "search backend unreachable (ConnectionError)",
                              "elapsed_ms": body["search"]["elapsed_ms"]}
    assert body["database"]["ok"] and body["job_queue"]["ok"]
    assert "s3cret" not in response.get_data(as_text=True)


def test_an_unreachable_job_queue_makes_the_instance_degraded(app, client, monkeypatch):
    def broken():
        raise OSError("unable to open database file /srv/catalog/instance/jobs.sqlite3")

    monkeypatch.setattr(job_queue(), "pending_count", broken)
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "degraded"
    assert body["job_queue"]["ok"] is False and body["job_queue"]["message"] == "后台任务队列无法访问（OSError）"
    assert "/srv/catalog" not in response.get_data(as_text=True)


def test_an_unreachable_database_makes_the_instance_degraded(tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/no-such-directory/catalog.db", "TESTING": True})
    with app.app_context():
        response = app.test_client().get("/healthz")
        body = response.get_json()
        db.engine.dispose()
    assert response.status_code == 503 and body["status"] == "degraded"
    assert body["database"]["ok"] is False and body["database"]["message"] == "数据库无法访问（OperationalError）"
    assert body["job_queue"]["ok"] is True
    assert "no-such-directory" not in response.get_data(as_text=True)
