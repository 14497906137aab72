"""Sharing (共享申请与授权): share requests, grants and their hand-off to the data-access adapters, suspensions.
What other modules may use."""
from . import handoff, policy  # noqa: F401  (handoff registers the outbox consumers)
from .models import AdapterSettings, Grant, GrantState, RequestState, ShareRequest, Suspension
from .reminders import SharingSweep, sweep
from .services import (OPEN_STATES, adapter_for, approve, asking, attach, escalate, expire_due, forward, lift,
                       pass_check, refuse, reissue, reject_check, requests_query, retry, revoke, rule, save_settings,
                       submit, suspend, waiting_count, withdraw)
from .tasks import init_app, run_sweep
from . import reports
from .reports import REPORT, ErrorReport, ReportState
from .reports import bp as reports_bp
from .views import bp
from .workflows import GRANT, REQUEST, SUSPENSION

__all__ = ["GRANT", "OPEN_STATES", "REPORT", "REQUEST", "SUSPENSION", "AdapterSettings", "ErrorReport", "Grant", "GrantState",
           "ReportState", "RequestState", "ShareRequest",
           "SharingSweep", "Suspension", "adapter_for", "approve", "asking", "attach", "bp", "escalate", "expire_due",
           "forward", "init_app", "lift", "pass_check", "policy", "refuse", "reject_check", "requests_query", "retry",
           "revoke", "rule",
           "reissue", "reports", "reports_bp", "run_sweep", "save_settings", "submit", "suspend", "sweep",
           "waiting_count", "withdraw"]
