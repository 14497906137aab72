from __future__ import annotations

import enum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.db import utcnow
from app.extensions import db


class Role(str, enum.Enum):
    """SPEC §2 roles."""

    editor = "editor"
    department_reviewer = "department_reviewer"
    authority_reviewer = "authority_reviewer"
    seeker = "seeker"
    admin = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.editor: "目录编目员",
    Role.department_reviewer: "部门审核员",
    Role.authority_reviewer: "主管部门审核员",
    Role.seeker: "使用部门用户",
    Role.admin: "平台管理员",
}


class User(UserMixin, db.Model):
    """A person with one role, acting for one department."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(db.DateTime, default=utcnow)

    department = relationship("Department")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_government(self) -> bool:
        """Any signed-in account is a government user; anonymous visitors are the public."""
        return True
