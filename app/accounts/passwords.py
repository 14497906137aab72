"""The password policy (密码规则): long enough, not a common password, not the user name, hard enough to guess.

Common passwords are zxcvbn's list of the 30,000 most frequent ones (shipped with the package, from public leaks)
plus the long ones that top the lists of Chinese sites, which zxcvbn's English-leaning lists miss; zxcvbn's score
(0–4) then refuses patterns such as repeats, sequences and keyboard walks (`PASSWORD_MIN_SCORE`).
"""
from __future__ import annotations

import functools
import unicodedata

from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from catalog_schema import Problem

MAX_LENGTH = 128

# frequent on Chinese sites (CSDN, 163, Tianya leaks) and at least ten characters long
CHINESE_COMMON = frozenset({
    "1234567890", "0123456789", "a123456789", "aa123456789", "abc1234567", "1qaz2wsx3edc", "1q2w3e4r5t",
    "qwertyuiop", "asdfghjkl;", "zxcvbnm123", "woaini1314", "woaini520520", "5201314520", "1314520520",
    "iloveyou1314", "qq123456789", "qwe1234567", "admin12345", "admin123456", "password1234", "p@ssw0rd123",
    "1111111111", "0000000000", "8888888888", "6666666666", "1234512345", "1122334455", "147258369a",
    "1472583690", "9876543210", "abcd123456", "woshishui123", "zhang123456", "wang123456",
})


@functools.cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"]) | CHINESE_COMMON


def problems(password: str | None, *, username: str = "", others: tuple[str, ...] = (), path: str = "password",
             label: str = "密码") -> list[Problem]:
    """What is wrong with `password` as a new password of `username` (empty: nothing), each naming the field."""
    password = password or ""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    out: list[Problem] = []

    def problem(message: str, message_en: str) -> None:
        out.append(Problem(path, label, f"「{label}」{message}", message_en))

    if len(password) < minimum:
        problem(f"至少 {minimum} 位", f"password shorter than {minimum} characters")
    elif len(password) > MAX_LENGTH:
        problem(f"不能超过 {MAX_LENGTH} 位", f"password longer than {MAX_LENGTH} characters")
    if any(unicodedata.category(c).startswith("C") for c in password):
        problem("不能包含控制字符（如制表符、换行）", "password contains control characters")
    if username and username.lower() in password.lower():
        problem("不能包含用户名", "password contains the user name")
    if password.lower() in _common():
        problem("是常见密码，很容易被猜中，请换一个", "password is a common password")
    elif len(password) >= minimum and not out:
        hints = [s for s in (username, *others) if s]
        if zxcvbn(password[:MAX_LENGTH], user_inputs=hints)["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
            problem("太容易被猜中（如重复、连续或键盘上相邻的字符、常见单词加数字），请用更长、更不规则的组合",
                    "password is too easy to guess")
    return out
