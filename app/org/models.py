from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import utcnow
from app.extensions import db


class RegionLevel(str, enum.Enum):
    """行政层级: 市 or 县区."""

    city = "city"
    district = "district"

    @property
    def label(self) -> str:
        return {"city": "市级", "district": "县（区）级"}[self.value]


class Department(db.Model):
    """政务部门: a node of the department tree. `code` is its 细目 in the department class of the classification."""

    __tablename__ = "department"
    __table_args__ = (CheckConstraint("length(credit_code) = 18", name="ck_department_credit_code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(50), default="")
    aliases: Mapped[str] = mapped_column(String(200), default="")
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    category_code: Mapped[str | None] = mapped_column(String(32))
    created_at = mapped_column(db.DateTime, default=utcnow)

    parent = relationship("Department", remote_side=[id], back_populates="children")
    children = relationship("Department", back_populates="parent", order_by="Department.code")

    def __repr__(self) -> str:
        return f"<Department {self.code} {self.name}>"


CONTACT_ROLES = {
    "leader": "分管领导",
    "sharing_officer": "信息共享责任人",
    "technical": "技术实施责任人",
}


class DepartmentContact(db.Model):
    """部门联系人 (广州 §8, §34): one registration of a department's leader, sharing officer or technical contact.
    Rows are never edited: a change is a new row, so the history shows when each change took effect, when it
    was reported, and whether that was within the deadline."""

    __tablename__ = "department_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="registered")
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254))
    changed_on = mapped_column(db.Date, nullable=False)  # when the change took effect
    reported_on = mapped_column(db.Date, nullable=False)  # when it was registered here
    due_on = mapped_column(db.Date, nullable=False)  # changed_on + the contacts deadline, in working days
    due_provisional: Mapped[bool] = mapped_column(default=False)
    on_time: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(db.DateTime, default=utcnow)

    @property
    def role_label(self) -> str:
        return CONTACT_ROLES.get(self.role, self.role)
