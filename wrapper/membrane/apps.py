"""What `connection ensure` is given for a recipe's `app:`: always a URL or a domain.

Membrane documents `connection ensure <appUrl>`: "the URL is normalized to a domain and matched
against known apps; if no app is found, one is created and a connector is built". What a bare
word does is not documented (it may build a junk app), so known names are sent as the URLs the
official skills use, and an unknown bare word is sent as given with a warning.
"""

from __future__ import annotations

import re
from typing import Final

from wrapper.frozen import Frozen

#: The URLs the official Membrane skills pass for each app.
KNOWN_APP_URLS: Final[dict[str, str]] = {
    "chatwoot": "https://www.chatwoot.com/",
    "chaport": "https://www.chaport.com/",
    "chatra": "https://chatra.io",
}
_DOMAIN: Final = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d+)?(?:/.*)?$")


class AppTarget(Frozen):
    """The argument for `connection ensure`, and a warning when it is a guess."""

    __slots__ = ("argument", "warning")
    argument: str
    warning: str | None

    def __init__(self, argument: str, warning: str | None = None) -> None:
        object.__setattr__(self, "argument", argument)
        object.__setattr__(self, "warning", warning)


def is_url_or_domain(app: str) -> bool:
    text = app.strip().lower()
    return "://" in text or bool(_DOMAIN.match(text))


def target(app: str) -> AppTarget:
    """`chatwoot` -> its URL; a domain or URL as given; any other word as given, with a warning."""
    text = app.strip()
    known = KNOWN_APP_URLS.get(text.lower())
    if known is not None:
        return AppTarget(known)
    if is_url_or_domain(text):
        return AppTarget(text)
    names = ", ".join(KNOWN_APP_URLS)
    return AppTarget(
        text,
        warning=(
            f"app {text!r} is not a URL or domain and not one of the names mw knows ({names}); "
            "it is sent to `membrane connection ensure` as given, which may create a new app: "
            "prefer the app's URL, e.g. https://www.example.com/"
        ),
    )


def search_query(app: str) -> str:
    """The words the older CLI's `search` takes: a known name, else the domain's main label."""
    text = app.strip()
    lowered = text.lower()
    for name, url in KNOWN_APP_URLS.items():
        if lowered == name or _host(lowered) == _host(url):
            return name
    if is_url_or_domain(text):
        labels = [p for p in _host(lowered).split(".") if p and p != "www"]
        return labels[-2] if len(labels) >= 2 else (labels[0] if labels else text)
    return text


def _host(text: str) -> str:
    host = text.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host
