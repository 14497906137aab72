from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import utcnow
from app.extensions import db


class RegionLevel(str, enum.Enum):
    """行政层级: 省级, 市级 or 县（区）级, highest first."""

    province = "province"
    city = "city"
    district = "district"

    @property
    def label(self) -> str:
        return {"province": "省级", "city": "市级", "district": "县（区）级"}[self.value]

    @property
    def rank(self) -> int:
        """0 for a province, 1 for a city, 2 for a district: a region's parent ranks lower than the region."""
        return list(RegionLevel).index(self)


class Region(db.Model):
    """行政区划: a province, city or district (省 / 市 / 县区). `category_code` is its node in the department class
    of the classification: its departments' 细目 are made under it."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # 行政区划代码 (GB/T 2260)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    category_code: Mapped[str] = mapped_column(String(32))
    created_at = mapped_column(db.DateTime, default=utcnow)

    parent = relationship("Region", remote_side=[id], back_populates="children")
    children = relationship("Region", back_populates="parent", order_by="Region.code")

    def path(self) -> list[Region]:
        """The region and the regions above it, the highest first (e.g. 某省 › 甲市 › 东城区)."""
        out, node, seen = [], self, set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            out.append(node)
            node = node.parent
        return list(reversed(out))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Department(db.Model):
    """政务部门: a node of the department tree. `code` is its 细目 in the department class of the classification."""

    __tablename__ = "department"
    # the 统一社会信用代码 may wait (待补充): NULL until known, unique and 18 characters once given
    __table_args__ = (CheckConstraint("length(credit_code) = 18", name="ck_department_credit_code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(50), default="")
    aliases: Mapped[str] = mapped_column(String(200), default="")
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    region_level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    category_code: Mapped[str | None] = mapped_column(String(32))
    created_at = mapped_column(db.DateTime, default=utcnow)

    parent = relationship("Department", remote_side=[id], back_populates="children")
    children = relationship("Department", back_populates="parent", order_by="Department.code")
    region = relationship("Region")

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
