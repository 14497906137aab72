"""Docking (目录对接) tables: the registries this one harvests (来源目录), each run's report, and the harvested records.

Harvested records are not catalog entries: they never enter review queues, change tracking, freshness sweeps,
assessment or resource-code sequences. They are read-only copies of another registry's packages, attributed to
their source, searchable (document id = minus the record id) and shown on their own page.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class SourceState(str, enum.Enum):
    active = "active"
    paused = "paused"


SOURCE_STATE_LABELS = {"active": "启用", "paused": "已暂停定时对接"}


class RunState(str, enum.Enum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


RUN_STATE_LABELS = {"running": "运行中", "succeeded": "成功", "failed": "失败"}

#: schedule → how often the worker runs a source (None: only when an admin or the command line asks)
SCHEDULES: dict[str, tuple[str, dt.timedelta | None]] = {
    "hourly": ("每小时", dt.timedelta(hours=1)),
    "daily": ("每天", dt.timedelta(days=1)),
    "weekly": ("每周", dt.timedelta(days=7)),
    "manual": ("仅手动", None),
}

TRIGGERS = {"manual": "管理员立即对接", "schedule": "定时对接", "command": "命令行"}


class HarvestSource(db.Model):
    """来源目录: another registry (ours or any CKAN) whose catalog this one harvests through its Action API."""

    __tablename__ = "harvest_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # e.g. 金水区政务信息资源目录
    url: Mapped[str] = mapped_column(String(500), unique=True)  # the other registry's site, http(s)://host[/path]
    # an API token of the source, to read its government catalog (stored as given: a secret at rest)
    api_token: Mapped[str | None] = mapped_column(String(500))
    schedule: Mapped[str] = mapped_column(String(10), default="daily")
    state: Mapped[SourceState] = mapped_column(Enum(SourceState, native_enum=False, length=10), index=True)
    # the largest metadata_modified seen by a successful run (naive UTC): the next incremental run starts there
    high_water_mark = mapped_column(db.DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    created_by = relationship("User")

    @property
    def state_label(self) -> str:
        return SOURCE_STATE_LABELS[self.state.value]

    @property
    def schedule_label(self) -> str:
        return SCHEDULES.get(self.schedule, (self.schedule, None))[0]

    @property
    def has_token(self) -> bool:
        return bool(self.api_token)


class HarvestRun(db.Model):
    """One harvest of one source (对接记录): what it found, what it changed, what went wrong."""

    __tablename__ = "harvest_run"
    __table_args__ = (
        # one run at a time per source: a second worker's claim fails on this index
        Index("uq_harvest_run_one_running", "source_id", unique=True,
              sqlite_where=text("state = 'running'"), postgresql_where=text("state = 'running'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id"), index=True)
    state: Mapped[RunState] = mapped_column(Enum(RunState, native_enum=False, length=10))
    # everything listed again, not only what changed (the column is not named "full": a reserved word of PostgreSQL)
    full: Mapped[bool] = mapped_column("full_run", default=False)
    trigger: Mapped[str] = mapped_column(String(10), default="manual")  # manual | schedule | command
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    finished_at = mapped_column(db.DateTime)
    since = mapped_column(db.DateTime)  # the high-water mark the run started from (None: from the beginning)
    added: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    # [{"package": <remote name or id>, "message": <Chinese>}]: packages that could not be taken, and notes
    problems = mapped_column(JSONType, nullable=False, default=list)
    # {"added": [record ids], "updated": [...], "removed": [...]}: what the report names and links
    changes = mapped_column(JSONType, nullable=False, default=dict)
    error: Mapped[str | None] = mapped_column(Text)  # why a failed run failed

    source = relationship("HarvestSource")
    started_by = relationship("User")

    @property
    def state_label(self) -> str:
        return RUN_STATE_LABELS[self.state.value]

    @property
    def trigger_label(self) -> str:
        return TRIGGERS.get(self.trigger, self.trigger)

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def summary(self) -> str:
        """The run's counts as one line (the command line prints it; the pages show it)."""
        return (f"新增 {self.added}、更新 {self.updated}、撤销 {self.removed}、未变 {self.unchanged}、"
                f"问题 {self.errors}")


class HarvestedEntry(db.Model):
    """A harvested record (汇聚目录条目): one package of a source as last fetched, read-only here."""

    __tablename__ = "harvested_entry"
    __table_args__ = (UniqueConstraint("source_id", "remote_name", name="uq_harvested_entry_source_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id"), index=True)
    remote_id: Mapped[str] = mapped_column(String(200), index=True)
    remote_name: Mapped[str] = mapped_column(String(200))
    resource_code: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    organization_title: Mapped[str] = mapped_column(String(200), default="")
    organization_credit_code: Mapped[str | None] = mapped_column(String(32))
    package = mapped_column(JSONType, nullable=False)  # the remote package dict as fetched
    metadata_modified = mapped_column(db.DateTime)  # the source's time of its last change (naive UTC)
    public: Mapped[bool] = mapped_column(default=False)  # open to the public here
    first_harvested_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    last_harvested_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    removed_at = mapped_column(db.DateTime, index=True)  # the source no longer has it (kept for the record)

    source = relationship("HarvestSource")

    @property
    def document_id(self) -> int:
        """Its id in the search index: negative, so it never collides with an entry's."""
        return -self.id
