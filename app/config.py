"""Every setting, declared once with its default and a one-line doc. Environment variables use the prefix CATALOG_."""
from __future__ import annotations

import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent

# name: (default, doc). Defaults may be callables of the instance path.
SETTINGS: dict[str, tuple[object, str]] = {
    "DATABASE_URL": (lambda inst: f"sqlite:///{inst / 'catalog.db'}",
                     "SQLAlchemy URL of the database; SQLite under instance/ by default, e.g. postgresql+psycopg://user@host/db"),
    "SECRET_KEY": (None, "session signing key; generated once into instance/secret_key when unset"),
    "RESOURCE_CODE_WIDTH": (6, "digits of the sequence part of a resource code (<category code>/<sequence>)"),
    "DEPARTMENT_CATEGORY_ROOT": ("307001", "classification node under which each department without a region gets its own 细目 (部门信息资源类)"),
    "AUTHORITY_DEPARTMENT_CODE": ("001", "code of the competent authority (主管部门) among the departments"),
    "PAGE_SIZE": (20, "entries per page on list pages"),
    "TIMEZONE": ("Asia/Shanghai", "time zone used to show dates (stored in UTC)"),
    "MAX_CONTENT_LENGTH": (24 * 1024 * 1024, "largest request body accepted, in bytes (above the import limit)"),
    "PASSWORD_HASH_METHOD": ("scrypt", "werkzeug password hashing method (tests use a cheap one)"),
    "SESSION_IDLE_MINUTES": (30, "a signed-in session ends after this many minutes without a request"),
    "SESSION_MAX_HOURS": (12, "a signed-in session ends this many hours after sign-in, however busy"),
    "PASSWORD_MIN_LENGTH": (10, "fewest characters a new password may have"),
    "PASSWORD_MIN_SCORE": (2, "lowest zxcvbn strength score (0-4) a new password must reach"),
    "LOGIN_FAILURE_WINDOW_MINUTES": (15, "how long a failed sign-in counts towards its client address's wait"),
    "LOGIN_ADDRESS_FREE_FAILURES": (10, "failed sign-ins from one client address before it must wait between tries"),
    "LOGIN_ADDRESS_DELAY_SECONDS": (2, "that address's first wait; it doubles with each further failure"),
    "LOGIN_ADDRESS_MAX_DELAY_SECONDS": (900, "longest wait between two sign-in tries from one client address"),
    "LOGIN_KNOWN_ADDRESS_DAYS": (30, "an address the account signed in from within this many days is spared its limit"),
    "LOGIN_RATE_LIMIT_ACCOUNT": ("10 per 10 minutes",
                                 "sign-in tries for one account from the addresses it never signed in from, together"),
    "LOGIN_RATE_LIMIT_ADDRESS": ("100 per 10 minutes", "sign-in tries from one client address, right or wrong"),
    "TRUSTED_PROXIES": (0, "reverse proxies in front of the app whose X-Forwarded-For names the client and whose "
                           "X-Forwarded-Proto / -Host / -Port give the address absolute links use (0: none)"),
    "PASSWORD_CHANGE_RATE_LIMIT": ("10 per hour", "password change tries per signed-in user"),
    "SEARCH_RATE_LIMIT_PUBLIC": ("60 per minute",
                                 "searches (/search, /search.json, /catalogs/…) per anonymous address"),
    "SUGGEST_RATE_LIMIT_PUBLIC": ("120 per minute", "search suggestions per anonymous client address"),
    "EXPORT_RATE_LIMIT": ("10 per hour", "Excel exports per signed-in user, or per address for anonymous visitors"),
    "EXPORT_RATE_LIMIT_PUBLIC_TOTAL": ("60 per hour",
                                       "Excel exports by all anonymous visitors together (search stays fast)"),
    "IMPORT_RATE_LIMIT": ("30 per hour", "Excel uploads per user"),
    "RATE_LIMIT_STORAGE": ("", "rate-limit counters: empty = a table beside the catalog (its own file on SQLite, the "
                               "catalog database on PostgreSQL); or redis://HOST:PORT/DB"),
    "ACCOUNT_WRITE_LOCK_WAIT_MS": (100,
                                   "how long last-seen times and rate-limit counters wait for a lock, then skip (ms)"),
    "SEARCH_BACKEND": ("search.tantivy_backend:TantivyBackend",
                       "search backend class: the embedded Tantivy engine, or search.elasticsearch_backend:ElasticsearchBackend"),
    "SEARCH_INDEX_PATH": (lambda inst: str(inst / "search-index"), "directory of the embedded search index"),
    "SEGMENTER": ("rjieba", "Chinese word segmenter: rjieba (Rust port, faster) or jieba (same dictionary and results)"),
    "ELASTICSEARCH_URL": ("", "Elasticsearch server for the Elasticsearch backend, e.g. http://127.0.0.1:9200"),
    "ELASTICSEARCH_INDEX": ("catalog", "alias the Elasticsearch backend searches; rebuilds create catalog-<timestamp>"),
    "ELASTICSEARCH_ANALYZER": ("", "optional server-side analyzer for an extra text field (ik_max_word, smartcn)"),
    "JOB_QUEUE": (lambda inst: f"sqlite:///{inst / 'jobs.sqlite3'}",
                  "background job queue (Huey): sqlite:///FILE (embedded, the default) or redis://HOST:PORT/DB"),
    "IMPORT_MAX_BYTES": (20 * 1024 * 1024, "largest Excel file accepted for import, in bytes"),
    "IMPORT_MAX_UNCOMPRESSED": (200 * 1024 * 1024, "largest total uncompressed size of an .xlsx (zip-bomb guard)"),
    "IMPORT_MAX_ROWS": (200_000, "most rows a sheet of an imported workbook may have"),
    "EXPORT_MAX_ENTRIES": (100_000, "most entries one Excel export writes"),
    "PUBLIC_EXPORT_MAX_ENTRIES": (2_000, "most entries one export by an anonymous visitor writes (the open catalog)"),
    "JOB_HEARTBEAT_SECONDS": (5.0, "how often a worker running an import says it is alive"),
    "JOB_STALE_SECONDS": (60, "an import whose worker has not said it is alive for this long is failed (worker died)"),
    "LOCK_WAIT_MS": (30_000, "SQLite: how long commands and background jobs wait for the write lock (milliseconds)"),
    "REQUEST_LOCK_WAIT_MS": (10_000, "SQLite: how long a web request waits for the write lock before answering 503"),
    "BUSY_RETRY_AFTER_SECONDS": (5, "the Retry-After a 503 \"系统繁忙\" answer gives"),
    "OUTBOX_POLL_SECONDS": (1.0, "how often the background worker looks for outbox messages to handle"),
    "OUTBOX_LEASE_SECONDS": (300, "how long a drainer holds a claimed outbox message before another may take it"),
    "OUTBOX_MAX_BACKOFF_SECONDS": (3600, "longest wait between two tries of a failing outbox message"),
    "DEADLINE_SWEEP_MINUTE": (5, "the background worker looks for due and overdue deadlines at this minute of every hour"),
    "SHARING_COMPLIANCE_CHECK": (False, "share requests go to the authority's compliance check before the provider answers"),
    "EXCHANGE_URL": ("", "exchange platform / API gateway the exchange_http adapter registers subscriptions at (http://…)"),
    "EXCHANGE_KEY": ("", "shared secret the exchange_http adapter signs its requests with (HMAC-SHA256)"),
    "EXCHANGE_TIMEOUT_SECONDS": (10.0, "how long one call to the exchange platform may take"),
    "ATTACHMENTS_PATH": (lambda inst: str(inst / "attachments"), "where files providers attach for download grants are kept"),
    "ATTACHMENT_MAX_BYTES": (20 * 1024 * 1024, "largest file attached to a download grant or an error report "
                                                "(keep it below MAX_CONTENT_LENGTH)"),
    "DOWNLOAD_LINK_HOURS": (72, "a signed download link works for this many hours (and never after the grant ends)"),
    "POSTGRES_VIEW_URL": ("", "PostgreSQL where the postgres_view adapter creates roles and restricted views (a role that "
                              "may CREATE ROLE); empty = the adapter is not configured"),
    "COMPARISON_SOURCES": ("", "databases the comparison adapter may read, as NAME=URL pairs separated by ';' "
                               "(a provider picks one by name, never types a URL)"),
    "COMPARISON_MAX_RECORDS": (10_000, "most records one data comparison (数据比对) request may submit"),
    "TODAY": ("", "a fixed date (YYYY-MM-DD) the registry takes as today for every deadline; empty = the real date"),
    "SMTP_HOST": ("", "mail server for e-mail notifications; empty = in-app notifications only"),
    "SMTP_PORT": (25, "port of the mail server"),
    "SMTP_USERNAME": ("", "login at the mail server, if it asks for one"),
    "SMTP_PASSWORD": ("", "password at the mail server"),
    "SMTP_STARTTLS": (False, "upgrade the connection to the mail server with STARTTLS"),
    "SMTP_TIMEOUT_SECONDS": (10.0, "how long one connection to the mail server may take"),
    "MAIL_FROM": ("catalog@localhost", "sender address of e-mail notifications"),
    "PORTAL_URL": ("http://127.0.0.1:5000", "the portal's address, for links in e-mails"),
    "PORTAL_ORGANIZER": ("示例市政务服务数据管理局",
                         "主办单位，显示在每页页脚 (the organisation that runs the portal, in every page's footer)"),
    "PORTAL_CONTACT": ("电话 0000-12345678，电子邮箱 data@example.gov.cn",
                       "联系方式，显示在每页页脚 (how to reach the organiser, in every page's footer)"),
    "PORTAL_RECORD_NUMBER": ("示ICP备00000000号",
                             "网站备案号（ICP 备案），显示在每页页脚; empty = not shown (the site's ICP filing number)"),
    "SESSION_COOKIE_SECURE": (False, "send the session cookie over HTTPS only (set true behind HTTPS)"),
    "API_TOKEN_MAX_DAYS": (365, "longest an API token may last, in days; a token made without an end date ends then "
                                "(0: no maximum, and such a token never ends)"),
    "API_RATE_LIMIT": ("1200 per minute",
                       "requests to the API (/api/…) and the DCAT export per token, or per client address without one: "
                       "enough for `ckanapi dump` of a city's catalog (one package_show per dataset); bigger copies "
                       "page package_search (rows=1000)"),
    "DCAT_PAGE_SIZE": (100, "datasets per page of the DCAT catalog documents (/catalog.ttl, .jsonld, .rdf)"),
    "HARVEST_TIMEOUT_SECONDS": (30.0, "docking: how long one call to a source registry's API may take"),
    "HARVEST_PAGE_SIZE": (1000, "docking: packages asked for per page of a source's listing (CKAN's usual maximum)"),
    "HARVEST_MAX_PAGES": (100, "docking: most pages one listing of a run reads; the rest waits for the next run"),
    "HARVEST_MAX_CONFIRM": (200, "docking: most packages a run checks one by one (package_show) for removals; with "
                                 "more differences it lists the source's whole catalog instead"),
    "HARVEST_OVERLAP_SECONDS": (300, "docking: an incremental run asks for changes from this long before the last "
                                     "run's newest modification (a source's slow transactions commit late)"),
    "HARVEST_RUN_STALE_MINUTES": (120, "docking: a run still running after this long is taken as dead (failed), "
                                       "so the source can run again"),
}


def _coerce(value: str, default: object) -> object:
    if isinstance(default, bool):
        return value.lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_config(instance_path: pathlib.Path, overrides: dict | None = None) -> dict:
    """Defaults, then CATALOG_* environment variables, then explicit overrides (tests)."""
    out: dict[str, object] = {}
    for name, (default, _doc) in SETTINGS.items():
        value = default(instance_path) if callable(default) else default
        env = os.environ.get(f"CATALOG_{name}")
        if env is not None and env != "":
            value = _coerce(env, value)
        out[name] = value
    out.update(overrides or {})
    return out
