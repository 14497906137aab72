"""Tables of the working-day calendar (工作日历) and the deadline policy (期限设置).

The official calendar comes from the `chinesecalendar` package; these tables hold what an admin entered on top
of it: single days (a holiday, an adjusted working day, or a correction), whether the State Council's arrangement
for a year has been entered in full, and the deployment's own deadline settings.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import utcnow
from app.extensions import db

#: what a calendar day an admin entered is: 放假 (a day off) or 调休上班 (an adjusted working day)
DAY_KINDS = {"holiday": "放假", "workday": "调休上班"}


class CalendarDay(db.Model):
    """One day as an admin entered it (日历调整): it overrides the official package for that day, in any year."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="ck_calendar_day_kind"),)

    day: Mapped[dt.date] = mapped_column(db.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50))  # the holiday it belongs to: 春节, 国庆节 …
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    entered_by = relationship("User")

    @property
    def kind_label(self) -> str:
        return DAY_KINDS.get(self.kind, self.kind)


class CalendarYear(db.Model):
    """A year's arrangement (年度节假日安排): `published` once the State Council's notice has been entered in full."""

    __tablename__ = "calendar_year"
    __table_args__ = (CheckConstraint("year BETWEEN 1900 AND 2999", name="ck_calendar_year_year"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    published: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(200), default="")  # the notice's 文号, e.g. 国办发明电〔2026〕…号
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    entered_by = relationship("User")


class DeadlineSetting(db.Model):
    """A deadline setting the deployment changed (期限设置); settings without a row keep their default."""

    __tablename__ = "deadline_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    changed_by = relationship("User")
