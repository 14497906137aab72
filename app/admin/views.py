"""Administration pages: 流程说明 (every workflow's diagram and transition table, from the declarations)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from app.core.errors import PermissionDenied

from . import describe, policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/workflows")
@login_required
def workflows():
    if not policy.can_read_workflows(current_user):
        raise PermissionDenied("流程说明供平台管理员和主管部门审核员查看", "for admins and authority reviewers")
    shown = [{"workflow": w, "rows": describe.rows(w),
              # generated from our own declarations, every label XML-escaped by the renderer
              "svg": Markup(describe.svg(w))} for w in describe.workflows()]
    return render_template("admin/workflows.html", shown=shown)
