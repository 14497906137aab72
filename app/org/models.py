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
