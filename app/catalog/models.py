"""Catalog entries (信息资源), their versions, the classification tree and resource-code sequences."""
from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class Category(db.Model):
    """信息资源分类: a node of the classification tree (类/项/目/细目). The tree is data, loaded from a file."""

    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("category.code"), index=True)

    parent = relationship("Category", remote_side=[code], back_populates="children")
    children = relationship("Category", back_populates="parent", order_by="Category.code")

    @property
    def class_code(self) -> str:
        """类: 1 基础, 2 主题, 3 部门."""
        return self.code[:1]


class CodeSequence(db.Model):
    """The last sequence number handed out per classification node; only ever increases, so codes are never reused."""

    __tablename__ = "code_sequence"

    category_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class EntryStatus(str, enum.Enum):
    """Where the entry as a whole stands (the `entry` workflow, app/catalog/workflows.py)."""

    draft = "draft"          # never published yet
    published = "published"  # has a published version, visible in the catalogs
    retired = "retired"      # withdrawn (停用) with a reason; its code stays taken

    @property
    def label(self) -> str:
        return ENTRY_STATUS_LABELS[self.value]


ENTRY_STATUS_LABELS = {"draft": "未发布", "published": "已发布", "retired": "已停用"}


class VersionState(str, enum.Enum):
    """Where one version stands (the `entry_version` workflow): the review stage is part of the state."""

    draft = "draft"
    department_review = "department_review"
    authority_review = "authority_review"
    returned = "returned"
    published = "published"
    superseded = "superseded"
    discarded = "discarded"

    @property
    def label(self) -> str:
        return VERSION_STATE_LABELS[self.value]

    @property
    def editable(self) -> bool:
        return self.value in EDITABLE_STATES

    @property
    def in_review(self) -> bool:
        return self.value in REVIEW_STATES


VERSION_STATE_LABELS = {
    "draft": "草稿", "department_review": "部门审核中", "authority_review": "主管部门审核中",
    "returned": "已退回", "published": "现行发布版", "superseded": "历史版本", "discarded": "已作废",
}
EDITABLE_STATES = ("draft", "returned")
REVIEW_STATES = ("department_review", "authority_review")
WORKING_STATES = EDITABLE_STATES + REVIEW_STATES
_WORKING_SQL = "state IN ('draft', 'department_review', 'authority_review', 'returned')"


class Entry(db.Model):
    """信息资源: one catalog entry. Its identity (code, classification, provider) is stable across versions."""

    __tablename__ = "entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), unique=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(Enum(EntryStatus, native_enum=False, length=16), index=True)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("entry_version.id", use_alter=True, name="fk_entry_published_version"))
    # the working version: a draft, a version in review, or a returned one
    draft_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("entry_version.id", use_alter=True, name="fk_entry_draft_version"))
    created_at = mapped_column(db.DateTime, default=utcnow)
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow, index=True)
    retired_at = mapped_column(db.DateTime)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    # freshness (更新状态): the last update (a publication, or an update the department reported) and when the
    # next is expected from the update cycle; `overdue_flagged` once the daily sweep has flagged it overdue
    last_update_on = mapped_column(db.Date)
    next_update_on = mapped_column(db.Date, index=True)
    overdue_flagged: Mapped[bool] = mapped_column(default=False, server_default=false())

    category = relationship("Category")
    department = relationship("Department")
    published_version = relationship("EntryVersion", foreign_keys=[published_version_id], post_update=True)
    draft_version = relationship("EntryVersion", foreign_keys=[draft_version_id], post_update=True)
    versions = relationship("EntryVersion", foreign_keys="EntryVersion.entry_id", back_populates="entry",
                            order_by="EntryVersion.number")

    @property
    def current(self) -> "EntryVersion | None":
        """What the catalog shows: the published version, or the draft of a never-published entry."""
        return self.published_version or self.draft_version

    @property
    def base_version(self) -> "EntryVersion | None":
        """The version an edit starts from: the working version, else the published one."""
        return self.draft_version or self.published_version


class EntryVersion(db.Model):
    """One version of an entry's metadata. `data` holds every schema field (validated) and the data items."""

    __tablename__ = "entry_version"
    __table_args__ = (
        UniqueConstraint("entry_id", "number", name="uq_entry_version_number"),
        # at most one working version (draft, in review or returned) and one published version per entry
        Index("uq_entry_one_working", "entry_id", unique=True,
              sqlite_where=text(_WORKING_SQL), postgresql_where=text(_WORKING_SQL)),
        Index("uq_entry_one_published", "entry_id", unique=True,
              sqlite_where=text("state = 'published'"), postgresql_where=text("state = 'published'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    number: Mapped[int]
    state: Mapped[VersionState] = mapped_column(Enum(VersionState, native_enum=False, length=32))
    name: Mapped[str] = mapped_column(String(200))
    data = mapped_column(JSONType, nullable=False)
    lock_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    change_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(db.DateTime, default=utcnow)
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)
    published_at = mapped_column(db.DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # the original catalog's dates of a version an admin imported and published directly (首次发布日期、最近更新日期,
    # the schema's import-only fields): the entry shows, sorts and counts freshness by them, not by the import day
    original_published_on = mapped_column(db.Date)
    original_updated_on = mapped_column(db.Date)

    entry = relationship("Entry", foreign_keys=[entry_id], back_populates="versions")

    @property
    def base_token(self) -> str:
        """What an edit form carries to say which version it was based on (optimistic locking)."""
        return f"{self.id}:{self.lock_version}"
    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    __mapper_args__ = {"version_id_col": lock_version}


class EntryUpdate(db.Model):
    """数据更新登记: the provider states that the resource's data was updated on a day (no new metadata version
    needed), which keeps an entry with a short update cycle from showing as overdue."""

    __tablename__ = "entry_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    updated_on = mapped_column(db.Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_at = mapped_column(db.DateTime, default=utcnow)

    reported_by = relationship("User")
