"""A small exchange platform / API gateway on 127.0.0.1, for tests: what the `exchange_http` adapter talks to.

It keeps the contract described in `app/adapters/exchange_http.py`, checks every request's signature itself (an
implementation of its own, not the adapter's helper, so a signing bug cannot check itself), and records what it
received.

    server = ExchangeServer(key="test-key").start()
    adapter = ExchangeHttpAdapter({"EXCHANGE_URL": server.url, "EXCHANGE_KEY": "test-key"})
    …
    server.subscriptions        # {"grant-7": {the JSON body}, …}: what is registered now
    server.requests             # every request received, in order (`Received`), failed ones included
    server.unavailable = True   # answer 503 to everything until set back (or `server.fail_next(2)`)
    server.stop()

Reused by the browser test of the sharing feature. Nothing here leaves 127.0.0.1.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/subscriptions"


@dataclass
class Received:
    """One request as the platform saw it."""

    method: str
    path: str
    headers: dict
    body: bytes
    signed: bool  # the signature was present and right
    status: int = 0  # what the platform answered
    json: dict | None = field(default=None)


class ExchangeServer:
    """`start()` / `stop()` (restartable on the same port), `.url`, `.subscriptions`, `.requests`, outage switches.

    - `key`: the shared secret it checks signatures with (a different key than the adapter's → 401).
    - `duplicate_status`: what a repeated POST for a registered subscription answers: 200 (the existing one, the
      default) or 409 ("already exists").
    - `max_skew_seconds`: requests signed longer ago (or ahead) than this are refused with 401.
    """

    def __init__(self, key: str = "test-exchange-key", *, base_path: str = "", duplicate_status: int = 200,
                 max_skew_seconds: int = 300):
        self.key = key
        self.base_path = base_path.rstrip("/")
        self.duplicate_status = duplicate_status
        self.max_skew_seconds = max_skew_seconds
        self.subscriptions: dict[str, dict] = {}
        self.requests: list[Received] = []
        self.unavailable = False
        self.delay_seconds = 0.0  # answer this late (to test timeouts)
        self._fail_next = 0
        self._fail_status = 503
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ---- control ------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """What `CATALOG_EXCHANGE_URL` is set to."""
        assert self.port, "start the server first"
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    def start(self) -> ExchangeServer:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="exchange-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (the port is kept: `start()` listens on it again, so the adapter's setting still fits)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = self._thread = None

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next `count` requests with `status` (503 by default) and register nothing."""
        with self._lock:
            self._fail_next = count
            self._fail_status = status

    def requests_for(self, method: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def __enter__(self) -> ExchangeServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # ---- the platform ---------------------------------------------------------------------------------------

    def _verify(self, method: str, path: str, headers, body: bytes) -> bool:
        timestamp = headers.get("X-Catalog-Timestamp") or ""
        given = headers.get("X-Catalog-Signature") or ""
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > self.max_skew_seconds:
            return False
        message = timestamp.encode() + b"\n" + method.encode() + b"\n" + path.encode() + b"\n" + body
        expected = "sha256=" + hmac.new(self.key.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, given)

    def _handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict | None]:
        """(status, JSON answer) for one request; records it."""
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        record = Received(method, path, dict(headers.items()), body, self._verify(method, path, headers, body))
        with self._lock:
            self.requests.append(record)
            status, answer = self._answer(record)
            record.status = status
        return status, answer

    def _answer(self, record: Received) -> tuple[int, dict | None]:
        if self._fail_next > 0:
            self._fail_next -= 1
            return self._fail_status, {"message": "维护中"}
        if self.unavailable:
            return 503, {"message": "维护中"}
        if not record.signed:
            return 401, {"message": "签名无效"}
        if not record.path.startswith(self.base_path + PREFIX):
            return 404, {"message": "no such endpoint"}
        rest = record.path[len(self.base_path + PREFIX):]
        if record.method == "POST" and rest in ("", "/"):
            try:
                payload = json.loads(record.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return 400, {"message": "请求体不是 JSON"}
            record.json = payload
            name = payload.get("subscription")
            if not name or record.headers.get("Idempotency-Key") != name or name != f"grant-{payload.get('grant_id')}":
                return 400, {"message": "订阅标识与幂等键不一致"}
            if name in self.subscriptions:
                if self.duplicate_status == 409:
                    return 409, {"message": "already exists"}
                return 200, {"id": name, "status": "active"}
            self.subscriptions[name] = payload
            return 201, {"id": name, "status": "active"}
        name = rest.lstrip("/")
        if not name or "/" in name:
            return 404, {"message": "no such endpoint"}
        if record.method == "GET":
            if name not in self.subscriptions:
                return 404, {"message": "not found"}
            return 200, {"id": name, "status": "active", **self.subscriptions[name]}
        if record.method == "DELETE":
            if self.subscriptions.pop(name, None) is None:
                return 404, {"message": "not found"}
            return 204, None
        return 405, {"message": "method not allowed"}


def _handler_for(platform: ExchangeServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer = platform._handle(self.command, self.path, self.headers, body)
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8") if answer is not None else b""
            try:
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
                self.close_connection = True

        do_GET = do_POST = do_DELETE = do_PUT = _serve

        def log_message(self, *_args) -> None:  # keep the test output quiet
            pass

    return Handler
