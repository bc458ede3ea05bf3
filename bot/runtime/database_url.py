"""FEEDBACK_DATABASE_URL: a PostgreSQL URL checked when the settings are read, with messages
that never quote its password (bot.runtime.settings.mask_password shows the URL itself)."""

from __future__ import annotations

import re

SCHEMES = ("postgresql://", "postgres://")
PASSWORD_MASK = "***"  # as bot.runtime.settings.mask_password masks it
# A password given as a query parameter (postgresql:///db?host=...&password=...).
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&]*)", re.IGNORECASE)


def is_postgres_url(text: str) -> bool:
    """Whether `text` is meant as a PostgreSQL URL (by its scheme), rather than a file path."""
    return text.strip().lower().startswith(SCHEMES)


def _split(url: str) -> tuple[str, str, str]:
    """(scheme://, authority, the rest: /database?query) of a URL with one of SCHEMES."""
    scheme, _, rest = url.partition("://")
    end = min((index for index in (rest.find("/"), rest.find("?")) if index >= 0), default=len(rest))
    return scheme + "://", rest[:end], rest[end:]


def _passwords(url: str) -> list[str]:
    """Every text of `url` that may be its password, longest first: the user info after the
    first colon, cut at the first or the last '@' (libpq takes the first), and query passwords."""
    _, authority, rest = _split(url)
    found = []
    for userinfo in (authority.partition("@")[0], authority.rpartition("@")[0]):
        if "@" in authority and ":" in userinfo:
            found.append(userinfo.partition(":")[2])
    found += [match[2] for match in _QUERY_PASSWORD.finditer(rest)]
    return sorted({password for password in found if password}, key=len, reverse=True)


def hide_password(text: str, url: str) -> str:
    """`text` (an error message about `url`, say) with whatever may be the URL's password masked."""
    for password in _passwords(url):
        text = text.replace(password, PASSWORD_MASK)
    return text


def check_postgres_url(url: str) -> str:
    """The URL without surrounding spaces, when libpq can read it and its ports are numbers;
    otherwise ValueError saying what is wrong, never quoting the password."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    url = url.strip()
    if not is_postgres_url(url):
        raise ValueError("is not a PostgreSQL URL: it must start with postgresql://")
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error as error:
        reason = hide_password(str(error).strip().splitlines()[0], url)
        raise ValueError(f"is not a URL libpq can read: {reason}") from None
    for port in str(parts.get("port", "")).split(","):
        if port and not (port.isdigit() and 1 <= int(port) <= 65535):
            raise ValueError(f"has the port {hide_password(port, url)!r}, not a number from 1 to 65535")
    return url
