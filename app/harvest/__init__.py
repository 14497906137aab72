"""Docking (目录对接): harvesting other registries' catalogs through the CKAN Action API. STUB."""
from flask import Blueprint

bp = Blueprint("harvest", __name__)


def init_app(app):
    pass


__all__ = ["bp", "init_app"]
