"""When a token is live: one pure rule shared by request auth and the users area."""

from __future__ import annotations


def token_is_live(token: dict | None, now: float, kind: str = "access") -> bool:
    """A token is live if it exists, is of the kind asked and has not expired.

    Fixture tokens of the documentation have no expiry; some of them are documented
    both as access and refresh tokens (``also_refresh``).
    """
    if token is None:
        return False
    if token.get("kind", "access") != kind and not (kind == "refresh" and token.get("also_refresh")):
        return False
    expiry = token.get("expiry")
    return expiry is None or now < expiry
