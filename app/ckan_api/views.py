"""/api/3/action/<name>: CKAN's Action API. STUB."""
from flask import Blueprint

bp = Blueprint("ckan_api", __name__)
