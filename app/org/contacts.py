"""Department contacts (部门联系人): reading the current ones and checking what a department registers.

Registering is the changes module's (`app.changes`), which holds the deadline and the permission; this module
owns the rows, so the portal can show a department's contacts on its page and on each of its entries.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from catalog_schema import Problem, control_character

from .models import CONTACT_ROLES, DepartmentContact

MOBILE = re.compile(r"1[3-9]\d{9}")
# landline with its area code (区号), e.g. 020-83123456 or 0917-3212345, optional extension 转/-
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}(?:-\d{1,6})?")
EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
FIELDS = {"name": ("姓名", 50), "position": ("职务", 100), "phone": ("电话", 30), "email": ("电子邮箱", 254)}


def normalize_phone(value: str) -> str:
    """Spaces dropped; (020)8312 3456 → 020-83123456; 转 → -."""
    text = re.sub(r"\s+", "", value or "").replace("（", "(").replace("）", ")").replace("转", "-")
    match = re.fullmatch(r"\((0\d{2,3})\)-?(\d{7,8}(?:-\d{1,6})?)", text)
    if match:
        text = f"{match.group(1)}-{match.group(2)}"
    return text


def contact_problems(role: str, values: dict) -> list[Problem]:
    """Problems with one contact's fields, each naming the role and the field (e.g. contacts-leader-phone)."""
    problems = []
    role_label = CONTACT_ROLES[role]
    for key, (label, limit) in FIELDS.items():
        value = (values.get(key) or "").strip()
        field_key, field_label = f"{role}-{key}", f"{role_label}{label}"
        if not value and key != "position":
            problems.append(Problem(field_key, field_label, f"「{field_label}」为必填项", f"{field_key} is required"))
        elif len(value) > limit:
            problems.append(Problem(field_key, field_label, f"「{field_label}」不能超过 {limit} 个字符",
                                    f"{field_key} is longer than {limit}"))
        elif control_character(value):
            problems.append(Problem(field_key, field_label, f"「{field_label}」含有不可见的控制字符",
                                    f"{field_key} contains a control character"))
        elif key == "phone" and not (MOBILE.fullmatch(normalize_phone(value))
                                     or LANDLINE.fullmatch(normalize_phone(value))):
            problems.append(Problem(field_key, field_label,
                                    f"「{field_label}」“{value[:30]}”不是有效号码：手机号为 11 位（如 13800138000），"
                                    "固定电话须带区号（如 020-83123456）", f"{field_key} is not a phone number"))
        elif key == "email" and not EMAIL.fullmatch(value):
            problems.append(Problem(field_key, field_label, f"「{field_label}」“{value[:50]}”不是有效的电子邮箱地址",
                                    f"{field_key} is not an e-mail address"))
    return problems


def current_contacts(department_id: int) -> dict[str, DepartmentContact]:
    """Role → the latest registration of that role in the department."""
    latest = (select(func.max(DepartmentContact.id)).where(DepartmentContact.department_id == department_id)
              .group_by(DepartmentContact.role))
    rows = db.session.scalars(select(DepartmentContact).where(DepartmentContact.id.in_(latest))).all()
    return {row.role: row for row in sorted(rows, key=lambda r: list(CONTACT_ROLES).index(r.role)
                                            if r.role in CONTACT_ROLES else 99)}


def contact_history(department_id: int, limit: int = 50) -> list[DepartmentContact]:
    return db.session.scalars(select(DepartmentContact).where(DepartmentContact.department_id == department_id)
                              .order_by(DepartmentContact.id.desc()).limit(limit)).all()
