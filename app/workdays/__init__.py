"""The working-day calendar (工作日历) and the deadline policy (期限设置). What other modules may use.

- Counting: `is_working_day`, `add_working_days`, `working_days_between`, and `deadline` (what workflows use:
  always an answer, `Due.provisional` when it counts through a year whose holidays were not entered yet).
- The policy: `setting(key)` gives a deadline setting's current value (`SETTING_KEYS` lists them).
- Reacting: `calendar_changed` (years=…) and `deadline_policy_changed` (keys=…) are sent inside the changing
  transaction; `register_provisional_counter(fn)` lets a module report how many provisional deadlines it holds.
"""
from . import policy
from .calendar import (CalendarNotCovered, Due, add_working_days, calendar_changed, deadline, is_covered,
                       is_working_day, package_years, provisional_counts, register_provisional_counter,
                       working_days_between)
from .deadlines import (SETTING_KEYS, SETTINGS, Setting, deadline_policy_changed, set_settings, setting,
                        settings_overview)
from .models import CalendarDay, CalendarYear, DeadlineSetting
from .services import publish_year, remove_day, set_adjusted_workday, set_days, unpublish_year
from .views import bp

__all__ = ["SETTINGS", "SETTING_KEYS", "CalendarDay", "CalendarNotCovered", "CalendarYear", "DeadlineSetting", "Due",
           "Setting", "add_working_days", "bp", "calendar_changed", "deadline", "deadline_policy_changed",
           "is_covered", "is_working_day", "package_years", "policy", "provisional_counts", "publish_year",
           "register_provisional_counter", "remove_day", "set_adjusted_workday", "set_days", "set_settings",
           "setting", "settings_overview", "unpublish_year", "working_days_between"]
