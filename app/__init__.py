"""The Flask application: the only place where the parts are wired together."""
from __future__ import annotations

import logging
import os
import pathlib
import secrets

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from .config import ROOT, load_config
from .core.db import configure_sqlite, write_intent
from .core.errors import DomainError
from .extensions import csrf, db, login_manager, migrate

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Application factory: config → extensions → blueprints → CLI."""
    instance_path = pathlib.Path(os.environ.get("CATALOG_INSTANCE_PATH", ROOT / "instance")).resolve()
    app = Flask(__name__, instance_path=str(instance_path), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    instance_path.mkdir(parents=True, exist_ok=True)
    settings = load_config(instance_path, config)
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret(instance_path)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)

    from . import models  # noqa: F401  (every table registered with the metadata)
    from .accounts.views import bp as accounts_bp
    from .catalog.views import bp as catalog_bp
    from .imports.views import bp as imports_bp
    from .portal.views import bp as portal_bp
    from .review.views import bp as review_bp

    for blueprint in (accounts_bp, portal_bp, catalog_bp, review_bp, imports_bp):
        app.register_blueprint(blueprint)

    from .indexing import services as indexing  # noqa: F401  (connects the outbox to catalog signals)

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


def _register_request_hooks(app: Flask) -> None:
    from .indexing import services as indexing

    @app.before_request
    def _intent():
        g.write_intent_token = write_intent.set(request.method in ("POST", "PUT", "PATCH", "DELETE"))

    @app.teardown_request
    def _reset_intent(_exc):
        token = g.pop("write_intent_token", None)
        if token is not None:
            write_intent.reset(token)

    @app.after_request
    def _commit_once(response):
        """One commit per request; anything that failed rolls back whole. Then the search index catches up."""
        if response.status_code < 400:
            db.session.commit()
            if g.pop("index_dirty", False):
                indexing.apply_outbox_quietly()
        else:
            db.session.rollback()
        return response

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        if (request.path.startswith("/api/") or request.path.endswith(".json")
                or request.accept_mimetypes.best == "application/json"):
            return jsonify(error.as_dict()), error.status
        return render_template("error.html", error=error), error.status

    @app.errorhandler(404)
    def _not_found(_error):
        return render_template("error.html", error=DomainError("页面不存在", "not found")), 404

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

    from .core.timefmt import format_datetime

    app.jinja_env.globals.update(schema=get_schema())
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.tests["search_any"] = lambda text, terms: any(t.lower() in (text or "").lower() for t in terms)
