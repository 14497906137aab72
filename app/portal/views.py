"""Portal pages: home with counts, the list of published entries, entry pages."""
from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.catalog import services as catalog
from app.catalog.classification import path_of
from app.catalog.models import EntryVersion
from app.extensions import db
from app.org.models import Department

from . import queries
from .schemas import EntryListArgs, load_args

bp = Blueprint("portal", __name__)


@bp.get("/")
def home():
    return render_template("portal/home.html", counts=queries.counts(current_user),
                           government=queries.is_government(current_user))


@bp.get("/entries")
def entries():
    args = load_args(EntryListArgs(), request.args)
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = queries.page_of_entries(current_user, args, args["page"], per_page)
    department = db.session.get(Department, args["department"]) if args.get("department") else None
    return render_template("portal/entries.html", entries=rows, total=total, args=args, department=department,
                           pages=max(1, math.ceil(total / per_page)),
                           government=queries.is_government(current_user))


@bp.get("/entries/<int:entry_id>")
def entry(entry_id: int):
    entry = catalog.get_entry_or_404(entry_id)
    if not queries.can_see(current_user, entry):
        abort(404)  # the public never learns that a non-open entry exists
    version = entry.published_version
    history = []
    if queries.is_government(current_user):
        history = db.session.scalars(select(EntryVersion).where(EntryVersion.entry_id == entry.id)
                                     .order_by(EntryVersion.number.desc())).all()
    return render_template("portal/entry.html", entry=entry, version=version,
                           values=catalog.full_values(entry, version), category_path=path_of(entry.category_code),
                           history=history)
