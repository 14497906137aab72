"""Department contacts (部门联系人): reading the current ones and checking what a department registers.

Registering is the changes module's (`app.changes`), which holds the deadline and the permission; this module
owns the rows, so the portal can show a department's contacts on its page and on each of its entries.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from catalog_schema import Problem, control_character
from catalog_schema.formats import is_email, is_phone, normalize_phone  # noqa: F401 (normalize_phone: re-exported)

from .models import CONTACT_ROLES, DepartmentContact

# phone and e-mail: the one rule (catalog_schema/formats.py) the catalog's contact fields declare in catalog.yaml
FIELDS = {"name": ("姓名", 50), "position": ("职务", 100), "phone": ("电话", 30), "email": ("电子邮箱", 254)}


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
        elif key == "phone" and not is_phone(value):
            problems.append(Problem(field_key, field_label,
                                    f"「{field_label}」“{value[:30]}”不是有效号码：手机号为 11 位（如 13800138000），"
                                    "固定电话须带区号（如 020-83123456）", f"{field_key} is not a phone number"))
        elif key == "email" and not is_email(value):
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
