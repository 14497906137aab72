"""Users, their roles and login."""
from __future__ import annotations

import enum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.db import utcnow
from app.extensions import db


class Role(str, enum.Enum):
    """SPEC §2 roles. A user holds a set of them (a department's editor is often its sharing officer too)."""

    editor = "editor"
    department_reviewer = "department_reviewer"
    authority_reviewer = "authority_reviewer"
    seeker = "seeker"
    responder = "responder"
    admin = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.value]


ROLE_LABELS = {
    "editor": "目录编目员",
    "department_reviewer": "部门审核员",
    "authority_reviewer": "主管部门审核员",
    "seeker": "使用部门用户",
    "responder": "信息共享责任人",
    "admin": "平台管理员",
}


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class User(UserMixin, db.Model):
    """A person acting for one department, with a set of roles."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # where e-mail notifications go (电子邮箱); none: in-app notices only
    email: Mapped[str | None] = mapped_column(String(254))
    # set by an admin: after signing in, the user can do nothing but choose a new password
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at = mapped_column(db.DateTime, default=utcnow)

    department = relationship("Department")
    role_rows = relationship(UserRole, lazy="selectin", cascade="all, delete-orphan", order_by=UserRole.role)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def role_keys(self) -> frozenset[str]:
        """The roles this user holds, as their stable keys (what workflow grants name)."""
        return frozenset(row.role for row in self.role_rows)

    @property
    def roles(self) -> list[Role]:
        return [Role(row.role) for row in self.role_rows if row.role in ROLE_LABELS]

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_keys & {str(getattr(r, "value", r)) for r in roles})

    @property
    def roles_label(self) -> str:
        """The roles as a person reads them: 目录编目员、部门审核员."""
        order = list(ROLE_LABELS)
        return "、".join(ROLE_LABELS[r] for r in sorted(self.role_keys, key=order.index))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
