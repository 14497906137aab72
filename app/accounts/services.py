"""Account services: creating users and checking credentials."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import audit
from app.core.errors import InvalidInput
from app.extensions import db
from app.org import Department
from catalog_schema import Problem

from .models import ROLE_LABELS, User, UserRole

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD = 8


def create_user(*, username: str, display_name: str, roles: list[str] | tuple[str, ...] | str, department_code: str,
                password: str, actor=None) -> User:
    """Register a user in one department with a set of roles (one or more of ROLE_LABELS)."""
    problems = []
    if not USERNAME.match(username or ""):
        problems.append(Problem("username", "用户名", "「用户名」须为 3–64 位字母、数字或 _.-", "invalid username"))
    elif db.session.scalar(select(User).where(User.username == username)):
        problems.append(Problem("username", "用户名", f"「用户名」“{username}”已被使用", "username already taken"))
    roles = [roles] if isinstance(roles, str) else list(dict.fromkeys(str(getattr(r, "value", r)) for r in roles))
    unknown = [r for r in roles if r not in ROLE_LABELS]
    if unknown or not roles:
        problems.append(Problem("roles", "角色", f"「角色」“{'、'.join(unknown) or '（空）'}”无效，可选：{'、'.join(ROLE_LABELS)}",
                                "unknown or missing role"))
    department = db.session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        problems.append(Problem("department", "所属部门", f"「所属部门」代码“{department_code}”不存在", "unknown department"))
    if len(password or "") < MIN_PASSWORD:
        problems.append(Problem("password", "密码", f"「密码」至少 {MIN_PASSWORD} 位", "password too short"))
    if not display_name or len(display_name) > 100:
        problems.append(Problem("display_name", "姓名", "「姓名」不能为空且不超过 100 个字符", "display name required"))
    if problems:
        raise InvalidInput(problems)
    user = User(username=username, display_name=display_name, department_id=department.id,
                role_rows=[UserRole(role=r) for r in roles])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, department_id=department.id,
                 summary=f"创建用户 {username}（{user.roles_label}）", details={"roles": roles})
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user
