"""Where to go after signing in: only a path of this site, whatever was put in `next`."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit

# characters a path may keep as they are in a Location header (the rest is percent-encoded)
_SAFE = "/?&=%#:@!$'()*+,;~-._"


def _dangerous(value: str) -> bool:
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in value):
        return True  # browsers drop tabs and newlines: "/\t/evil.example" would become "//evil.example"
    if "\\" in value or not value.startswith("/") or value.startswith("//"):
        return True  # "/\evil.example" is another host to some browsers
    parts = urlsplit(value)
    return bool(parts.scheme or parts.netloc)


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path of this site, as it reads and once more percent-decoded; otherwise `default`.

    Control characters and whitespace (raw or as %09, %0A …), "//", "/\\", schemes and hosts are refused rather
    than cleaned: a link that needs cleaning did not come from this site."""
    if not target or len(target) > 2000:
        return default
    if _dangerous(target) or _dangerous(unquote(target)):
        return default
    return quote(target, safe=_SAFE)
