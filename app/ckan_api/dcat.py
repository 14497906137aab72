"""DCAT export — STUB (the DCAT work replaces this module)."""
from flask import Blueprint

bp = Blueprint("dcat", __name__)
