"""Errors as data. Rendered once, as VSee's body ``{"code", "message", "errors"?}``.

No Flask here: services raise these, ``core/http_errors.py`` renders them.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    default_message = "Something went wrong."

    def __init__(self, message: str | None = None, errors: dict | None = None, headers: dict | None = None):
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict:
        body = {"code": self.status, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(ApiError):
    status = 400
    default_message = "Bad request."

    @classmethod
    def field(cls, name: str, message: str) -> BadRequest:
        """A validation error naming its field, in message and errors."""
        return cls(f"Invalid {name}: {message}", errors={name: [message]})

    @classmethod
    def missing(cls, *names: str) -> BadRequest:
        listed = ", ".join(names)
        return cls(f"Missing required field{'s' if len(names) > 1 else ''}: {listed}.",
                   errors={n: ["Missing data for required field."] for n in names})


class Unauthorized(ApiError):
    status = 401
    default_message = "Invalid or expired token."



class Forbidden(ApiError):
    status = 403
    default_message = "You are not allowed to do this."


class NotFound(ApiError):
    status = 404
    default_message = "Sorry, this page is not available."




class PaymentRequired(ApiError):
    """A card was declined (Stripe's ``card_error``; VSee relays it)."""

    status = 402
    default_message = "Your card was declined."


class Conflict(ApiError):
    status = 409
    default_message = "This conflicts with the current state."


class TooManyRequests(ApiError):
    """Only from fault injection; ``Retry-After`` goes in ``headers``."""

    status = 429
    default_message = "Too many requests. Please retry later."


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "Request body is too large."
