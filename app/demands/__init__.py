"""The demand catalog (需求目录): departments' information needs, matched with the catalog's supply (供需对接).
What other modules may use."""
from . import policy
from .models import ANSWERS, DEMAND_STATE_LABELS, Demand, DemandState
from .services import (answer_cannot, answer_existing, answer_register, assign, export, file, link_entry, match,
                       overview, proposals, sweep, withdraw)
from .tasks import init_app, run_sweep
from .views import bp
from .workflows import DEMAND

__all__ = ["ANSWERS", "DEMAND", "DEMAND_STATE_LABELS", "Demand", "DemandState", "answer_cannot", "answer_existing",
           "answer_register", "assign", "bp", "export", "file", "init_app", "link_entry", "match", "overview",
           "policy", "proposals", "run_sweep", "sweep", "withdraw"]
