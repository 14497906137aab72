"""The sweep is a periodic task of the worker's Huey scheduler (what `make run` starts), and the CLI runs it too."""
from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import func, select

from app import changes
from app.changes import ChangeTask
from app.core.db import transaction
from app.extensions import db

from .conftest import OWN, notices


def test_the_worker_schedules_the_sweep_every_hour_at_the_configured_minute(app):
    queue = app.extensions["catalog_jobs"]

    def due(hour, minute):
        return sorted(type(task).__name__ for task in queue.read_periodic(dt.datetime(2026, 11, 30, hour, minute)))

    assert due(9, 5) == due(23, 5) == ["changes.sweep", "demands.sweep", "harvest.schedule", "sharing.sweep"]
    assert due(9, 6) == []


def test_the_scheduled_task_and_the_command_send_what_is_due(app, people, department, clock):
    clock("2026-09-28")
    with transaction():
        changes.record_event(people["authority"], {"kind": "org_change", "title": "机构改革", "legal_source": "通知",
                                                   "effective_on": "2026-09-28"}, [department(OWN).id])
    task_id = db.session.scalar(select(ChangeTask.id))
    clock("2026-10-30")  # past the deadline (10-23)
    [periodic] = [t for t in app.extensions["catalog_jobs"].read_periodic(dt.datetime(2026, 10, 30, 9, 5))
                  if type(t).__name__ == "changes.sweep"]
    periodic.execute()  # what the worker's consumer runs at hh:05
    db.session.rollback()
    assert f"change_task:{task_id}:overdue" in [k for k, _ in notices(people["editor"])]
    result = CliRunner().invoke(app.cli, ["catalog", "sweep-deadlines", "--today", "2026-10-30"])
    assert result.exit_code == 0, result.output
    assert "逾期通知 0 条" in result.output  # already told: nothing twice
    assert db.session.scalar(select(func.count()).select_from(ChangeTask)) == 1
