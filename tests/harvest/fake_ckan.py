"""A foreign CKAN 2.9 on loopback, for the harvester's tests: the Action API answers (package_search with a
metadata_modified range, sort and paging; package_list with limit/offset, public datasets only as CKAN does;
package_show) built from a dict of packages the test changes, and ways to answer badly.

Packages look like CKAN 2.9's: a uuid id, a name, title, notes, tags, an organization, resources, extras — none of
this registry's schema keys.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import uuid

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

RANGE = re.compile(r"^metadata_modified:\[(\S+) TO \*\]$")


def ckan_package(name: str, title: str, modified: str, **extra) -> dict:
    """A package as CKAN 2.9's package_show returns it."""
    package = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "name": name, "title": title,
        "notes": f"{title}的说明。", "state": "active", "private": False, "type": "dataset",
        "metadata_created": "2025-12-01T08:00:00.000001", "metadata_modified": modified,
        "license_title": "Creative Commons Attribution", "author": "数据中心", "maintainer": None,
        "url": "", "version": None, "num_tags": 1, "num_resources": 1,
        "organization": {"id": "org-1", "name": "city-transport", "title": "某市交通运输局", "type": "organization",
                         "is_organization": True, "state": "active"},
        "owner_org": "org-1",
        "tags": [{"id": "t1", "name": "交通", "display_name": "交通", "state": "active"}],
        "groups": [],
        "resources": [{"id": f"{name}-r1", "name": f"{title}（CSV）", "format": "CSV",
                       "url": f"https://files.example.org/{name}.csv"}],
        "extras": [{"key": "更新频率", "value": "每月"}],
    }
    package.update(extra)
    return package


def second(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "")).replace(microsecond=0)


class FakeCkan:
    def __init__(self):
        self.packages: dict[str, dict] = {}
        self.calls: list[tuple[str, dict]] = []
        self.token: str | None = None  # the token that may see private datasets
        # action → "html" | "list" | "no-result" | "500" | "results-missing" | "slow" (answers after a second)
        self.broken: dict[str, str] = {}
        self.broken_show: set[str] = set()  # names whose package_show answers an HTML page
        self.extra_results: list = []  # odd items the first page of package_search carries
        self.lock = threading.Lock()
        self.server = None
        self.thread = None
        self.url = ""

    # ---- the test's side ------------------------------------------------------------------------------------

    def add(self, name: str, title: str, modified: str, **extra) -> dict:
        package = ckan_package(name, title, modified, **extra)
        self.packages[name] = package
        return package

    def actions(self) -> list[str]:
        return [action for action, _data in self.calls]

    def start(self) -> FakeCkan:
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.thread.join(timeout=10)
            self.server.server_close()
            self.server = None

    # ---- the server's side ----------------------------------------------------------------------------------

    def wsgi(self, environ, start_response):
        request = Request(environ)
        match = re.fullmatch(r"/api/(?:3/)?action/(\w+)", request.path)
        if match is None:
            return Response("<html><body>404 Not Found</body></html>", 404, mimetype="text/html")(environ,
                                                                                                    start_response)
        action = match.group(1)
        if request.method == "POST" and request.data:
            data = json.loads(request.data)
        else:
            data = {k: v for k, v in request.args.items()}
        authorized = self.token is not None and request.headers.get("Authorization") == self.token
        with self.lock:
            self.calls.append((action, data))
        broken = self.broken.get(action)
        if broken == "slow":
            time.sleep(1.0)
        if broken == "html":
            return Response("<html><body>维护中</body></html>", 200, mimetype="text/html")(environ, start_response)
        if broken == "500":
            return Response("Internal Server Error", 500)(environ, start_response)
        if broken == "list":
            return self._json([1, 2, 3])(environ, start_response)
        if broken == "no-result":
            return self._json({"help": "", "success": True})(environ, start_response)
        if broken == "results-missing":
            return self._ok({"count": 3})(environ, start_response)
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            return self._error("Not Found Error", "Action name not known: " + action, 400)(environ, start_response)
        return handler(data, authorized)(environ, start_response)

    @staticmethod
    def _json(body, status=200) -> Response:
        return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")

    def _ok(self, result) -> Response:
        return self._json({"help": f"{self.url}/api/3/action/help_show", "success": True, "result": result})

    def _error(self, kind: str, message: str, status: int) -> Response:
        return self._json({"help": "", "success": False, "error": {"__type": kind, "message": message}}, status)

    def _visible(self, authorized: bool) -> list[dict]:
        return [p for p in self.packages.values()
                if p.get("state", "active") == "active" and (authorized or not p.get("private"))]

    def _package_search(self, data: dict, authorized: bool) -> Response:
        items = self._visible(authorized and bool(data.get("include_private")))
        fq = data.get("fq")
        if fq:
            match = RANGE.match(fq)
            if match is None:
                return self._error("Search Query Error", f"Invalid fq {fq}", 400)
            low = second(match.group(1))
            items = [p for p in items if second(p["metadata_modified"]) >= low]
        if data.get("sort") == "metadata_modified asc":
            items.sort(key=lambda p: (second(p["metadata_modified"]), p["name"]))
        start, rows = int(data.get("start", 0)), int(data.get("rows", 10))
        results = items[start:start + rows]
        if start == 0 and self.extra_results:
            results = list(self.extra_results) + results
        return self._ok({"count": len(items), "sort": data.get("sort"), "results": results, "facets": {},
                         "search_facets": {}})

    def _package_list(self, data: dict, authorized: bool) -> Response:
        names = sorted(p["name"] for p in self._visible(False))  # CKAN lists public datasets only
        offset, limit = int(data.get("offset", 0)), data.get("limit")
        names = names[offset:offset + int(limit)] if limit is not None else names[offset:]
        return self._ok(names)

    def _package_show(self, data: dict, authorized: bool) -> Response:
        key = data.get("id")
        if key in self.broken_show:
            return Response("<html>bad gateway</html>", 502, mimetype="text/html")
        package = self.packages.get(key) or next((p for p in self.packages.values() if p["id"] == key), None)
        if package is None or package.get("state") == "deleted":
            return self._error("Not Found Error", "Not found", 404)
        if package.get("private") and not authorized:
            return self._error("Authorization Error", "User not authorized to read package", 403)
        return self._ok(package)
