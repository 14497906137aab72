"""Error reports (校核纠错 / 数据疑问): a consumer challenges shared data or metadata; the provider verifies.
What the rest of app.sharing (and, through its __init__, other modules) may use."""
from . import policy
from .models import REPORT_STATE_LABELS, Awaiting, ErrorReport, ReportState
from .services import (BOXES, Reporting, accept, candidates, correct, escalate, evidence_file, flag_overdue,
                       get_report_or_404, history_of, overdue_count, reject, report, reported_by_department, reporting,
                       reports_query, resolve, unsettled_for_entry)
from .views import bp
from .workflows import REPORT

__all__ = ["BOXES", "REPORT", "REPORT_STATE_LABELS", "Awaiting", "ErrorReport", "ReportState", "Reporting", "accept",
           "bp", "candidates", "correct", "escalate", "evidence_file", "flag_overdue", "get_report_or_404",
           "history_of", "overdue_count", "policy", "reject", "report", "reported_by_department", "reporting",
           "reports_query", "resolve", "unsettled_for_entry"]
