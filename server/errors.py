"""Coded domain errors. The domain raises these; api/errors.py alone turns them into HTTP answers."""


class DomainError(Exception):
    """An error with a stable code that clients translate; `status` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, fields: dict | None = None,
                 status: int | None = None, headers: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields
        self.status = status or self.status
        self.headers = headers or {}


class NotFound(DomainError):
    status, code, message = 404, "not_found", "Not found."


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "Your role may not do this."


class NotAuthenticated(DomainError):
    status, code, message = 401, "not_authenticated", "Sign in first."


class InvalidInput(DomainError):
    status, code, message = 422, "invalid_input", "Some fields are not valid."


class Conflict(DomainError):
    status, code, message = 409, "conflict", "The request conflicts with the current state."
