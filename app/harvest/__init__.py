"""Docking (目录对接): harvesting other registries' catalogs (ours or any CKAN) through the CKAN Action API into
read-only, attributed records that are searchable here. What other modules may use."""
from flask import Flask

from . import documents, policy, tasks
from .models import HarvestedEntry, HarvestRun, HarvestSource, RunState, SourceState
from .services import register_source, request_run, run_source, source_for_url
from .views import bp
from .workflows import HARVEST_RUN, HARVEST_SOURCE


def init_app(app: Flask) -> None:
    """The run job and the hourly schedule on the worker's queue (made by the imports module's init_app)."""
    tasks.init_app(app)


__all__ = ["HARVEST_RUN", "HARVEST_SOURCE", "HarvestRun", "HarvestSource", "HarvestedEntry", "RunState",
           "SourceState", "bp", "documents", "init_app", "policy", "register_source", "request_run", "run_source",
           "source_for_url"]
