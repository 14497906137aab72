"""The Flask application: the only place where the parts are wired together."""
from __future__ import annotations

import logging
import os
import pathlib
import secrets

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ROOT, load_config
from .core.db import commit, configure_engine, is_lock_timeout, lock_wait_ms, read_only, write_intent
from .core.errors import DomainError
from .extensions import csrf, db, login_manager, migrate

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config → extensions → domain modules and blueprints → jobs → CLI."""
    instance_path = pathlib.Path(os.environ.get("CATALOG_INSTANCE_PATH", ROOT / "instance")).resolve()
    app = Flask(__name__, instance_path=str(instance_path), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    instance_path.mkdir(parents=True, exist_ok=True)
    settings = load_config(instance_path, config)
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret(instance_path)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"],
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"])

    if settings["TRUSTED_PROXIES"]:
        # behind TLS-terminating proxies, the addresses the app writes out (the API's links, DCAT's IRIs, the
        # package URLs harvesters keep) take the scheme and host the visitor used; the client's address is read
        # from X-Forwarded-For by the sessions module itself (app/accounts/sessions.py)
        hops = int(settings["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops, x_host=hops, x_port=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    with app.app_context():
        configure_engine(db.engine, lock_wait_default_ms=settings["LOCK_WAIT_MS"])

    from .core import http
    http.init_app(app)  # converters and headers, before any route is registered

    from . import (accounts, adapters, admin, catalog, changes, ckan_api, demands, harvest, imports,  # noqa: F401
                   indexing, models, notifications, portal, review, sharing, workdays)
    for blueprint in (accounts.bp, portal.bp, catalog.bp, review.bp, imports.bp, admin.bp, admin.health_bp,
                      admin.users_bp, workdays.bp, notifications.bp, changes.bp, sharing.bp, sharing.reports_bp,
                      demands.bp, adapters.bp, indexing.bp, ckan_api.bp, ckan_api.dcat_bp, ckan_api.openapi_bp,
                      harvest.bp):
        app.register_blueprint(blueprint)
    # the machine interfaces: no session forms, so no CSRF token; their writes take an API token, never a cookie
    csrf.exempt(ckan_api.bp)
    csrf.exempt(ckan_api.openapi_bp)
    imports.tasks.init_app(app)
    notifications.init_app(app)  # the header's unread count
    changes.init_app(app)  # the hourly deadline sweep, on the same job queue
    sharing.init_app(app)  # the hourly sharing sweep: expiry, overdue requests and grants
    demands.init_app(app)  # the hourly demand sweep: overdue answers and registrations
    harvest.init_app(app)  # docking: the scheduled harvest of other registries' catalogs
    accounts.init_protection(app)  # sessions and rate limits, attached to the registered endpoints

    from .cli import catalog_cli
    app.cli.add_command(catalog_cli)

    _register_request_hooks(app)
    _register_template_helpers(app)
    return app


def _instance_secret(instance_path: pathlib.Path) -> str:
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _intent():
        reading = request.method in SAFE_METHODS
        g.db_tokens = (write_intent.set(not reading), read_only.set(reading),
                       lock_wait_ms.set(app.config["REQUEST_LOCK_WAIT_MS"]))

    @app.teardown_request
    def _reset_intent(_exc):
        tokens = g.pop("db_tokens", None)
        if tokens is not None:
            write_intent.reset(tokens[0])
            read_only.reset(tokens[1])
            lock_wait_ms.reset(tokens[2])

    @app.after_request
    def _commit_once(response):
        """One commit per writing request, then its after-commit work (the outbox messages it wrote are handled,
        so the user sees their change on the next page); anything that failed rolls back whole. Reads never
        write, so they never commit."""
        if request.method in SAFE_METHODS or response.status_code >= 400:
            db.session.rollback()
        else:
            commit()
        return response

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        if (request.path.startswith("/api/") or request.path.endswith(".json")
                or request.accept_mimetypes.best == "application/json"):
            return jsonify(error.as_dict()), error.status
        return render_template("error.html", error=error), error.status

    @app.errorhandler(OperationalError)
    def _busy(error: OperationalError):
        """The embedded database's write lock was not free in time (a long import, say): a calm 503 with
        Retry-After, never a 500. Anything else is a real error."""
        db.session.rollback()
        if not is_lock_timeout(error):
            raise error
        write_intent.set(False)  # the page below only reads (who is signed in): no waiting for the lock again
        busy = DomainError("系统繁忙，请稍后重试", "the system is busy, please try again shortly")
        headers = {"Retry-After": str(app.config["BUSY_RETRY_AFTER_SECONDS"])}
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            return jsonify(busy.as_dict()), 503, headers
        return render_template("error.html", error=busy), 503, headers

    @app.errorhandler(404)
    def _not_found(_error):
        if request.path.startswith("/api/"):  # a machine reads CKAN's error object, never an HTML page
            return jsonify({"success": False, "error": {"__type": "Not Found Error", "message": "未找到该信息资源或页面",
                                                        "message_en": "not found"}}), 404
        return render_template("error.html", error=DomainError("未找到该信息资源或页面", "not found")), 404

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_template("error.html", error=DomainError(
            "表单已过期或缺少安全令牌（CSRF），请刷新页面后重试", "missing or invalid CSRF token")), 400

    @app.errorhandler(413)
    def _too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_template("error.html", error=DomainError(f"上传内容过大：不能超过 {limit} MB",
                                                                "request too large")), 413


def _register_template_helpers(app: Flask) -> None:
    from catalog_schema import get_schema

    from . import catalog, changes, demands, imports, review, sharing
    from .admin import policy as admin_policy
    from .core.timefmt import format_datetime

    app.jinja_env.globals.update(schema=get_schema())

    @app.context_processor
    def _navigation():
        """The menu: each item shown when its module's policy says the user may use it. `console_menu()` is the
        work console's side menu for signed-in users, built (with its counts) only when a page draws it."""
        from flask_login import current_user

        nav = {
            "catalogs": catalog.policy.is_government(current_user),
            "department": catalog.policy.may_work_on_catalogs(current_user),
            "imports": imports.can_import(current_user),
            "review": review.policy.can_see_queue(current_user),
            "deadlines": changes.policy.can_use(current_user),
            "sharing": sharing.policy.can_use(current_user),
            "demands": demands.policy.can_read(current_user),
            "workflows": admin_policy.can_read_workflows(current_user),
        }
        site = {key: app.config[f"PORTAL_{key.upper()}"] for key in ("organizer", "contact", "record_number")}
        return {"nav": nav, "site": site,
                "console_menu": lambda counted=True: _console_menu(current_user, nav, counted)}

    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.tests["search_any"] = lambda text, terms: any(t.lower() in (text or "").lower() for t in terms)


class MenuItem:
    """One link of the work console's side menu; `count` is what waits there (None: nothing counted)."""

    __slots__ = ("label", "url", "current", "count", "count_label")

    def __init__(self, label: str, endpoint: str, *, count: int | None = None, count_label: str = "", **values):
        from flask import url_for

        self.label, self.url = label, url_for(endpoint, **values)
        self.current = request.endpoint == endpoint and all(
            str((request.view_args or {}).get(k, request.args.get(k))) == str(v) for k, v in values.items())
        self.count, self.count_label = count, count_label


def _console_menu(user, nav: dict, counted: bool = True) -> list[tuple[str, list[MenuItem]]]:
    """The side menu grouped by task (我的待办, 本部门, 审核, 共享, 目录, 管理), each item where its policy allows it,
    with one COUNT per waiting list (open change tasks, pending reviews, share requests to answer);
    `counted=False` (an error page after a failure) asks the database nothing more."""
    from . import changes, review, sharing
    from .admin import policy as admin_policy

    groups: list[tuple[str, list[MenuItem]]] = []

    def group(label: str, items: list) -> None:
        items = [i for i in items if i is not None]
        if items:
            groups.append((label, items))

    has_desk = changes.policy.has_desk(user)
    group("我的待办", [
        MenuItem("待办事项", "changes.desk", count_label="项目录更新任务未办结",
                 count=changes.open_task_count(user.department_id) if counted else None) if has_desk else None,
        MenuItem("通知", "notifications.index"),
    ])
    group("本部门", [
        MenuItem("本部门目录", "catalog.dashboard") if nav["department"] else None,
        MenuItem("Excel 导入", "imports.index") if nav["imports"] else None,
    ])
    group("审核", [
        MenuItem("审核队列", "review.queue", count=review.pending_count(user) if counted else None,
                 count_label="件待审核") if nav["review"] else None,
    ])
    if nav["sharing"]:
        box = ("authority" if sharing.policy.oversees(user) else
               "provider" if sharing.policy.answers_requests(user) else None)
        shares = MenuItem("共享申请", "sharing.queue", count=sharing.waiting_count(user) if box and counted else None,
                          count_label="件待办理", **({"box": box} if box else {}))
        shares.current = request.endpoint == "sharing.queue"
    else:
        shares = None
    group("共享", [shares, MenuItem("需求目录", "demands.index") if nav["demands"] else None])
    catalogs = [MenuItem("检索", "portal.search")]
    if nav["catalogs"]:
        catalogs += [MenuItem("资源目录", "portal.catalog_view", key="resource"),
                     MenuItem("共享目录", "portal.catalog_view", key="shared"),
                     MenuItem("不予共享目录", "portal.catalog_view", key="not-shared"),
                     MenuItem("部门目录", "portal.department_catalog"),
                     MenuItem("主题目录", "portal.topic_catalog")]
    catalogs.append(MenuItem("开放目录", "portal.catalog_view", key="open"))
    group("目录", catalogs)
    group("管理", [
        MenuItem("期限", "changes.index") if changes.policy.oversees(user) else None,
        MenuItem("目录对接", "harvest.sources") if admin_policy.can_manage_users(user) else None,
        MenuItem("系统管理", "admin.index") if admin_policy.can_manage_users(user)
        else MenuItem("流程说明", "admin.workflows") if nav["workflows"] else None,
    ])
    return groups
