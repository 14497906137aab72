"""Admin pages: 工作日历 (/admin/calendar) and 期限设置 (/admin/deadlines).

Admins read and change both; the authority's reviewers read them. Every change is a POST with a CSRF token that
calls a service and redirects with a flash; a refused input shows the page again with the error next to its field.
"""
from __future__ import annotations

import calendar as month_tables
import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.clock import today
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db

from . import calendar, deadlines, policy, services
from .models import DAY_KINDS

bp = Blueprint("workdays", __name__, url_prefix="/admin")

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
MONTHS = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月")
FIRST_YEAR, LAST_YEAR = services.FIRST_YEAR, services.LAST_YEAR


def _readers_only() -> None:
    if not policy.can_read_calendar(current_user):
        raise PermissionDenied("工作日历和期限设置供平台管理员和主管部门审核员查看", "for admins and authority reviewers")


def _editors_only() -> None:
    if not policy.can_edit_calendar(current_user):
        raise PermissionDenied("只有平台管理员可以修改工作日历", "only admins may change the working-day calendar")


# ---- 工作日历 --------------------------------------------------------------------------------------------

def _months(year: int) -> list[dict]:
    days = {info.day: info for info in calendar.year_days(year)}
    tables = month_tables.Calendar(firstweekday=0)
    return [{"number": month, "label": MONTHS[month - 1],
             "weeks": [[days.get(day) if day.month == month else None for day in week]
                       for week in tables.monthdatescalendar(year, month)]}
            for month in range(1, 13)]


def _runs(year: int) -> list[dict]:
    """The year's holidays and adjusted working days as runs of consecutive days (the list under the months)."""
    runs: list[dict] = []
    for info in calendar.year_days(year):
        if info.kind not in ("holiday", "adjusted") and info.origin != "admin":
            continue
        last = runs[-1] if runs else None
        if (last and last["kind"] == info.kind and last["name"] == info.name and last["origin"] == info.origin
                and last["end"] + calendar.ONE_DAY == info.day):
            last["end"] = info.day
        else:
            runs.append({"start": info.day, "end": info.day, "kind": info.kind, "name": info.name,
                         "origin": info.origin, "label": info.label})
    return runs


def _banners(year: int) -> list[str]:
    """Uncovered years around today and the shown year, with the provisional deadlines that depend on them."""
    counts = calendar.provisional_counts()
    now = today().year
    years = calendar.uncovered_years({now, now + 1, year, *counts})
    out = []
    for y in years:
        count = counts.get(y, 0)
        if not count and (y == year or y < now):  # the shown year's own notice says it; the past is done
            continue
        out.append(f"{y} 年安排未录入：{count} 个期限为暂定" if count else
                   f"{y} 年安排未录入：涉及该年的期限将按周末休息暂定计算")
    return out


def _render_calendar(year: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render_template(
        "workdays/calendar.html", year=year, months=_months(year), weekdays=WEEKDAYS, runs=_runs(year),
        status=calendar.year_status(year), entered=calendar.entered_days(year), banners=_banners(year),
        package_years=calendar.package_years(), can_edit=policy.can_edit_calendar(current_user),
        errors=errors or {}, values=values or {}, today=today(), first_year=FIRST_YEAR, last_year=LAST_YEAR,
    ), status


@bp.get("/calendar")
@login_required
def calendar_page():
    _readers_only()
    chosen = request.args.get("year", "")
    if chosen:
        if not (chosen.isascii() and chosen.isdigit() and FIRST_YEAR <= int(chosen) <= LAST_YEAR):
            raise InvalidInput.single("year", "年份", f"「年份」须为 {FIRST_YEAR} 至 {LAST_YEAR} 之间的四位年份",
                                      "year out of range")
        return redirect(url_for(".calendar_year", year=int(chosen)))
    return _render_calendar(today().year)


# a year outside the calendar's range matches no route: the one 404, whoever asks
@bp.get(f"/calendar/<int(fixed_digits=4, min={FIRST_YEAR}, max={LAST_YEAR}):year>")
@login_required
def calendar_year(year: int):
    _readers_only()
    return _render_calendar(year)


def _form_year(fallback: int) -> int:
    raw = request.form.get("return_year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR else fallback


def _year_of(raw: str | None) -> int | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()).year
    except ValueError:
        return None


def _change(form: str, change):
    """Run one calendar change (`change()` returns the year to show and the flash); a refused input shows the
    year page again with the errors next to that form's fields."""
    _editors_only()
    year = _form_year(today().year)
    try:
        shown, message = change()
    except InvalidInput as error:
        db.session.rollback()
        return _render_calendar(year, {form: error.by_field()}, {form: request.form.to_dict()}, 422)
    flash(message)
    return redirect(url_for(".calendar_year", year=shown or year))


@bp.post("/calendar/days")
@login_required
def calendar_set_days():
    form = request.form

    def change():
        count = services.set_days(start=form.get("start"), end=form.get("end") or None, kind=form.get("kind"),
                                  name=form.get("name"), user=current_user)
        kind = DAY_KINDS[form["kind"]]
        return _year_of(form.get("start")), f"已录入 {count} 天：{form.get('name', '').strip()} {kind}"

    return _change("days", change)


@bp.post("/calendar/workday")
@login_required
def calendar_set_workday():
    form = request.form

    def change():
        services.set_adjusted_workday(day=form.get("day"), name=form.get("name"), user=current_user)
        day, name = form.get("day", "").strip(), form.get("name", "").strip()
        return _year_of(day), f"已录入调休上班：{day}（{name}）"

    return _change("workday", change)


@bp.post("/calendar/days/remove")
@login_required
def calendar_remove_day():
    form = request.form

    def change():
        services.remove_day(day=form.get("day"), user=current_user)
        day = form.get("day", "").strip()
        return _year_of(day), f"已删除 {day} 的录入，该日恢复为内置日历（或周末规则）的安排"

    return _change("remove", change)


@bp.post("/calendar/years/publish")
@login_required
def calendar_publish_year():
    form = request.form

    def change():
        services.publish_year(year=form.get("year"), source=form.get("source"), user=current_user)
        year = int(form["year"])
        return year, f"{year} 年节假日安排已标记为录入完整：涉及该年的期限不再是暂定"

    return _change("publish", change)


@bp.post("/calendar/years/unpublish")
@login_required
def calendar_unpublish_year():
    form = request.form

    def change():
        services.unpublish_year(year=form.get("year"), user=current_user)
        year = int(form["year"])
        return year, f"已撤销 {year} 年的“已录入”标记：涉及该年的期限重新为暂定"

    return _change("publish", change)


# ---- 期限设置 --------------------------------------------------------------------------------------------

def _render_deadlines(errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render_template("workdays/deadlines.html", rows=deadlines.settings_overview(),
                           changes=deadlines.recent_changes(), can_edit=policy.can_edit_deadlines(current_user),
                           errors=errors or {}, values=values or {}), status


@bp.route("/deadlines", methods=["GET", "POST"])
@login_required
def deadlines_page():
    _readers_only()
    if request.method == "GET":
        return _render_deadlines()
    values = {key: request.form[key] for key in deadlines.SETTING_KEYS if key in request.form}
    try:
        changed = deadlines.set_settings(values, current_user)
    except InvalidInput as error:
        db.session.rollback()
        return _render_deadlines(error.by_field(), request.form.to_dict(), 422)
    flash(f"已保存 {len(changed)} 项期限设置；此后计算的期限按新设置，已在计时的期限不变" if changed else "期限设置没有变化")
    return redirect(url_for(".deadlines_page"))
