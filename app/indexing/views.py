"""检索词表 (/admin/search-terms): the synonym groups and the government-terms dictionary, edited by admins.

A save replaces the whole list (all or nothing, each bad line named) and applies to the next search; no reindex.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db

from . import policy, services, vocabulary

bp = Blueprint("search_terms", __name__, url_prefix="/admin/search-terms")


def _render(errors: dict | None = None, values: dict | None = None, status: int = 200):
    if not policy.can_read_vocabulary(current_user):
        raise PermissionDenied("检索词表供平台管理员和主管部门审核员查看", "for admins and authority reviewers")
    lists = []
    for kind in vocabulary.KINDS.values():
        latest = vocabulary.latest(kind)
        lists.append({"kind": kind, "body": (values or {}).get(kind.key, vocabulary.body_in_force(kind)),
                      "is_default": latest is None or latest.body == vocabulary.default_body(kind),
                      "history": vocabulary.history(kind), "errors": (errors or {}).get(kind.key, [])})
    return render_template("indexing/search_terms.html", lists=lists,
                           can_edit=policy.can_edit_vocabulary(current_user)), status


@bp.get("/")
@login_required
def page():
    return _render()


@bp.post("/<kind>")
@login_required
def save(kind: str):
    if kind not in vocabulary.KINDS:
        abort(404)
    label = vocabulary.KINDS[kind].label
    body = request.form.get("body", "")
    try:
        if request.form.get("action") == "default":
            changed = vocabulary.restore_default(kind, current_user)
        else:
            changed = vocabulary.save(kind, body, current_user, note=(request.form.get("note") or "").strip())
    except InvalidInput as error:
        db.session.rollback()
        return _render({kind: [p.message for p in error.problems]}, {kind: body}, 422)
    services.vocabulary_saved()
    flash(f"{label}已保存，下一次检索起生效（无需重建索引）" if changed else f"{label}没有变化")
    return redirect(url_for(".page") + f"#{kind}")
