"""Domain errors raised by services and translated to HTTP (or CLI messages) at the edge."""
from __future__ import annotations

from catalog_schema import Problem


class DomainError(Exception):
    """Base: carries a Chinese message and its English version for API clients."""

    status = 400

    def __init__(self, message: str, message_en: str = ""):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message

    def as_dict(self) -> dict:
        return {"message": self.message, "message_en": self.message_en}


class InvalidInput(DomainError):
    """The input broke field or cross-field rules; `problems` name each field."""

    status = 422

    def __init__(self, problems: list[Problem], message: str = "", message_en: str = ""):
        super().__init__(message or f"提交的内容有 {len(problems)} 处问题，请修改后重试",
                         message_en or f"{len(problems)} problem(s) in the submitted data")
        self.problems = problems

    @classmethod
    def single(cls, path: str, label: str, message: str, message_en: str) -> "InvalidInput":
        return cls([Problem(path, label, message, message_en)])

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.path, []).append(p.message)
        return out

    def as_dict(self) -> dict:
        return {**super().as_dict(), "errors": [p.as_dict() for p in self.problems]}


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409
