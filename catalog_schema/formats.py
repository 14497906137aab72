"""Text formats a field may declare (`format:` in catalog.yaml): one rule each, used by the catalog's validation
(web form, Excel import, API) and by the department contacts (app/org/contacts.py) alike."""
from __future__ import annotations

import re

MOBILE = re.compile(r"1[3-9]\d{9}")
# landline with its area code (区号), e.g. 0991-6231001 or 020-83123456, optional extension 转/-
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}(?:-\d{1,6})?")
# from abroad: +86, then a mobile number or a landline's area code without its 0, e.g. +86 10 1234 5678
INTERNATIONAL = re.compile(r"\+86-?(?:1[3-9]\d{9}|[1-9]\d{1,2}-?\d{7,8}(?:-\d{1,6})?)")
EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def normalize_phone(value: str) -> str:
    """Spaces dropped; (020)8312 3456 → 020-83123456; 转 → -."""
    text = re.sub(r"\s+", "", value or "").replace("（", "(").replace("）", ")").replace("转", "-")
    match = re.fullmatch(r"\((0\d{2,3})\)-?(\d{7,8}(?:-\d{1,6})?)", text)
    if match:
        text = f"{match.group(1)}-{match.group(2)}"
    return text


def is_phone(value: str) -> bool:
    """A mobile number (11 digits) or a landline with its area code (either may start with +86)."""
    text = normalize_phone(value)
    return bool(MOBILE.fullmatch(text) or LANDLINE.fullmatch(text) or INTERNATIONAL.fullmatch(text))


def is_email(value: str) -> bool:
    return bool(EMAIL.fullmatch((value or "").strip()))


#: format → (check, Chinese message after the field's 「label」, English message after its key)
FORMATS = {
    "phone": (is_phone, "须为手机号码或带区号的固定电话，如 0991-6231001 或 13899120601",
              "must be a mobile number or a landline with its area code"),
    "email": (is_email, "须为有效的电子邮箱地址，如 name@example.gov.cn", "must be an e-mail address"),
}


def format_problem(fmt: str, label: str, value: str) -> tuple[str, str] | None:
    """(Chinese, English) message when `value` is not of format `fmt`; None when it is (or is blank)."""
    if not value or not str(value).strip():
        return None
    check, message, message_en = FORMATS[fmt]
    if check(str(value)):
        return None
    return f"「{label}」{message}", message_en
