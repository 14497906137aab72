"""One run at a time per source, a dead run taken as failed, and the schedule the worker follows."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.db import transaction, utcnow
from app.extensions import db
from app.harvest import HarvestRun, RunState, services, tasks
from app.workflow import firing
from tests.harvest.conftest import harvest_now


def _running(source_id: int, started_at: dt.datetime) -> HarvestRun:
    with transaction(), firing():
        run = HarvestRun(source_id=source_id, state=RunState.running, started_at=started_at, problems=[], changes={})
        db.session.add(run)
    return run


def test_the_database_allows_one_running_run_per_source(make_source, ckan):
    source = make_source(ckan.url)
    _running(source.id, utcnow())
    with pytest.raises(IntegrityError), transaction(), firing():
        db.session.add(HarvestRun(source_id=source.id, state=RunState.running, problems=[], changes={}))


def test_a_source_being_harvested_is_not_harvested_again_at_once(make_source, ckan, harvest_settings):
    ckan.add("one", "数据集", "2026-03-01T08:00:00")
    source = make_source(ckan.url)
    _running(source.id, utcnow() - dt.timedelta(minutes=5))
    assert harvest_now(source.id) is None
    assert ckan.calls == []  # nobody asked the source anything


def test_a_run_left_running_too_long_is_failed_and_the_source_runs_again(make_source, ckan, harvest_settings):
    ckan.add("one", "数据集", "2026-03-01T08:00:00")
    source = make_source(ckan.url)
    dead = _running(source.id, utcnow() - dt.timedelta(minutes=harvest_settings["HARVEST_RUN_STALE_MINUTES"] + 1))
    run = harvest_now(source.id)
    assert run.state == RunState.succeeded and run.added == 1
    dead = db.session.get(HarvestRun, dead.id)
    assert dead.state == RunState.failed and "视为中断" in dead.error
    from app.audit import AuditEntry
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "harvest_run",
                                                            AuditEntry.object_id == dead.id)) == "harvest_run.abandon"


def test_sources_are_due_by_their_schedule(make_source, ckan, admin, harvest_settings):
    from app.harvest import services as harvest_services

    now = utcnow()
    hourly = make_source("http://127.0.0.1:9/a", name="每小时", schedule="hourly")
    daily = make_source("http://127.0.0.1:9/b", name="每天", schedule="daily")
    weekly = make_source("http://127.0.0.1:9/c", name="每周", schedule="weekly")
    manual = make_source("http://127.0.0.1:9/d", name="手动", schedule="manual")
    paused = make_source("http://127.0.0.1:9/e", name="暂停", schedule="hourly")
    with transaction():
        harvest_services.pause(db.session.get(type(paused), paused.id), user=admin)
    assert services.due_sources(now) == [hourly.id, daily.id, weekly.id]  # never run: all due but manual/paused
    for source, ago in ((hourly, dt.timedelta(minutes=58)), (daily, dt.timedelta(hours=3)),
                        (weekly, dt.timedelta(days=8))):
        with transaction(), firing():
            db.session.add(HarvestRun(source_id=source.id, state=RunState.succeeded, started_at=now - ago,
                                      finished_at=now - ago, problems=[], changes={}))
    # an hourly source run 58 minutes ago is due at the next hourly sweep (a few minutes' slack)
    assert services.due_sources(now) == [weekly.id, hourly.id]
    assert services.due_sources(now + dt.timedelta(hours=21, minutes=1)) == [weekly.id, daily.id, hourly.id]
    del manual


def test_the_hourly_look_queues_a_run_per_due_source(app, make_source, ckan, monkeypatch):
    queued = []
    monkeypatch.setitem(app.extensions, tasks.TASK_KEY, lambda *args: queued.append(args))
    source = make_source(ckan.url, schedule="hourly")
    make_source("http://127.0.0.1:9/x", name="仅手动", schedule="manual")
    assert tasks.queue_due() == [source.id]
    assert queued == [(source.id, False, "schedule", None)]


def test_the_worker_job_runs_the_source_as_the_user_who_asked(app, make_source, ckan, admin, harvest_settings):
    ckan.add("one", "数据集", "2026-03-01T08:00:00")
    source = make_source(ckan.url)
    run = tasks.run_job(source.id, full=True, trigger="manual", user_id=admin.id)
    assert run.state == RunState.succeeded and run.started_by_id == admin.id and run.trigger == "manual"


def test_the_worker_looks_for_due_sources_every_hour_with_the_other_sweeps(app, make_source, ckan, monkeypatch):
    queued = []
    monkeypatch.setitem(app.extensions, tasks.TASK_KEY, lambda *args: queued.append(args))
    source = make_source(ckan.url, schedule="hourly")
    queue = app.extensions["catalog_jobs"]
    minute = app.config["DEADLINE_SWEEP_MINUTE"]
    [periodic] = [t for t in queue.read_periodic(dt.datetime(2026, 11, 30, 9, minute))
                  if type(t).__name__ == "harvest.schedule"]
    assert not [t for t in queue.read_periodic(dt.datetime(2026, 11, 30, 9, minute + 1))
                if type(t).__name__ == "harvest.schedule"]
    periodic.execute()  # what the worker's consumer runs every hour
    assert queued == [(source.id, False, "schedule", None)]
