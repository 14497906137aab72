"""User enumeration by timing: a sign-in takes as long for a user name that does not exist as for one that does
(the finding: 233 ms against 12 ms)."""
import statistics
import time

from tests.accounts.helpers import csrf


def test_a_wrong_sign_in_takes_as_long_whether_the_user_exists_or_not(app, client, make_user):
    # a hash as costly as a production one, so the difference would show
    app.config.update(PASSWORD_HASH_METHOD="pbkdf2:sha256:200000", LOGIN_ADDRESS_FREE_FAILURES=1000,
                      LOGIN_RATE_LIMIT_ACCOUNT="1000 per minute", LOGIN_RATE_LIMIT_ADDRESS="1000 per minute")
    user = make_user("editor", "市公安局")
    token = csrf(client)

    def sign_in(username: str) -> float:
        started = time.perf_counter()
        response = client.post("/login", data={"username": username, "password": "not-the-password",
                                               "csrf_token": token})
        elapsed = time.perf_counter() - started
        assert response.status_code == 401
        return elapsed

    for _ in range(2):  # warm up both paths (templates, the unknown user's stand-in hash)
        sign_in(user.username), sign_in("nobody-at-all")
    existing, unknown = [], []
    for n in range(15):  # interleaved, so a slow moment of the machine hits both
        existing.append(sign_in(user.username))
        unknown.append(sign_in(f"nobody-{n}"))
    a, b = statistics.median(existing), statistics.median(unknown)
    assert abs(a - b) < 0.25 * max(a, b), f"existing {a * 1000:.1f} ms, unknown {b * 1000:.1f} ms"
