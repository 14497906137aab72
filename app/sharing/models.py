"""Share requests (共享申请), the grants they lead to (授权), providers' adapter settings, and suspensions."""
from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class RequestState(str, enum.Enum):
    submitted = "submitted"
    compliance_check = "compliance_check"
    forwarding = "forwarding"
    pending = "pending"
    granted = "granted"
    refused = "refused"
    escalated = "escalated"
    ruled_not_shared = "ruled_not_shared"
    withdrawn = "withdrawn"


REQUEST_STATE_LABELS = {
    "submitted": "已提交",
    "compliance_check": "合规审查中",
    "forwarding": "跨区转送中",
    "pending": "待提供方答复",
    "granted": "已同意共享",
    "refused": "已拒绝",
    "escalated": "主管部门协调中",
    "ruled_not_shared": "协调结论：不予共享",
    "withdrawn": "已撤回",
}


class GrantState(str, enum.Enum):
    provisioning = "provisioning"
    active = "active"
    failed = "failed"
    expired = "expired"
    revoked = "revoked"


GRANT_STATE_LABELS = {
    "provisioning": "开通中",
    "active": "已开通",
    "failed": "开通失败",
    "expired": "已到期",
    "revoked": "已撤销",
}


class ShareRequest(db.Model):
    """A department asks for some data items of a published entry, with purpose, legal authority and period."""

    __tablename__ = "share_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("entry_version.id"))  # the version whose items were asked
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[RequestState] = mapped_column(Enum(RequestState, native_enum=False, length=20), index=True)
    sharing_type: Mapped[str] = mapped_column(String(20))  # the entry's, when asked
    items = mapped_column(JSONType, nullable=False)  # [{"name": 信息项, "basis": 法定职权依据}]
    purpose: Mapped[str] = mapped_column(Text)  # 使用用途
    scenario: Mapped[str] = mapped_column(Text)  # 应用场景
    usage_scope: Mapped[str] = mapped_column(String(500))  # 使用范围
    period_from = mapped_column(db.Date, nullable=False)
    period_until = mapped_column(db.Date, nullable=False)
    cross_district: Mapped[bool] = mapped_column(default=False)
    on_platform: Mapped[bool] = mapped_column(default=False)  # the resource is already on the exchange platform
    # the deadline of the step the request is in (reply, compliance check, forwarding); none once decided
    due_on = mapped_column(db.Date)
    due_provisional: Mapped[bool] = mapped_column(default=False)
    due_setting: Mapped[str | None] = mapped_column(String(40))
    decision_note: Mapped[str | None] = mapped_column(Text)  # the reason of a refusal, the conditions of an approval
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at = mapped_column(db.DateTime)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    ruling: Mapped[str | None] = mapped_column(Text)  # the authority's coordination outcome, published to both
    ruled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ruled_at = mapped_column(db.DateTime)
    late: Mapped[bool] = mapped_column(default=False)  # some step was answered after its deadline
    created_at = mapped_column(db.DateTime, default=utcnow)

    entry = relationship("Entry")
    version = relationship("EntryVersion")
    requester_department = relationship("Department", foreign_keys=[requester_department_id])
    provider_department = relationship("Department", foreign_keys=[provider_department_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    ruled_by = relationship("User", foreign_keys=[ruled_by_id])
    grants = relationship("Grant", back_populates="request", order_by="Grant.id")

    @property
    def item_names(self) -> list[str]:
        return [i["name"] for i in self.items]

    @property
    def state_label(self) -> str:
        return REQUEST_STATE_LABELS[self.state.value]


class Grant(db.Model):
    """What was approved — items, purpose, period — and its life at the adapter that provides it."""

    __tablename__ = "share_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("share_request.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[GrantState] = mapped_column(Enum(GrantState, native_enum=False, length=16), index=True)
    items = mapped_column(JSONType, nullable=False)  # approved item names
    purpose: Mapped[str] = mapped_column(Text)
    usage_scope: Mapped[str] = mapped_column(String(500))
    valid_from = mapped_column(db.Date, nullable=False)
    valid_until = mapped_column(db.Date, nullable=False)
    adapter: Mapped[str] = mapped_column(String(40))
    handle = mapped_column(JSONType)  # what the adapter returned (Handle.as_dict())
    due_on = mapped_column(db.Date)  # provide deadline: active by then
    due_provisional: Mapped[bool] = mapped_column(default=False)
    activated_on = mapped_column(db.Date)
    late: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(String(300))  # download: the file the provider attached
    file_name: Mapped[str | None] = mapped_column(String(200))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at_adapter = mapped_column(db.DateTime)  # when the adapter confirmed the revocation
    created_at = mapped_column(db.DateTime, default=utcnow)

    request = relationship(ShareRequest, back_populates="grants")
    entry = relationship("Entry")
    consumer_department = relationship("Department", foreign_keys=[consumer_department_id])
    provider_department = relationship("Department", foreign_keys=[provider_department_id])

    @property
    def state_label(self) -> str:
        return GRANT_STATE_LABELS[self.state.value]


class AdapterSettings(db.Model):
    """A provider's settings for one entry and adapter (a table and its item → column map, a comparison source)."""

    __tablename__ = "adapter_settings"
    __table_args__ = (UniqueConstraint("entry_id", "adapter", name="uq_adapter_settings_entry_adapter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    adapter: Mapped[str] = mapped_column(String(40))
    settings = mapped_column(JSONType, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)


class Suspension(db.Model):
    """The authority suspends a department's sharing privileges (宝鸡 §29, 山东 §28): it may file no request."""

    __tablename__ = "sharing_suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # in_force | lifted
    reason: Mapped[str] = mapped_column(Text)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    suspended_at = mapped_column(db.DateTime, default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_at = mapped_column(db.DateTime)
    lift_note: Mapped[str | None] = mapped_column(Text)

    department = relationship("Department")
