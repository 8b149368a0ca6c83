"""Domain errors, defined once.

Every outlet translates these in one place: the CLI into an exit code and a message, the
API (``colead.web.api_errors``) into one JSON error shape, the web pages into an error page.
Each error carries a plain message saying what is wrong and a ``hint`` saying how to fix it,
so no user mistake needs a traceback.
"""

from __future__ import annotations


class ColeadError(Exception):
    """Base of every error a user can cause and fix."""

    #: process exit code used by the CLI
    exit_code = 1
    #: short machine-readable kind, used by the API error shape
    code = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ConfigurationError(ColeadError):
    exit_code = 2
    code = "configuration"


class FrameworkInvalid(ColeadError):
    """A measurement framework file is missing, unreadable or breaks a rule."""

    exit_code = 3
    code = "framework_invalid"


class DatabaseUnavailable(ColeadError):
    """The database URL cannot be reached or is not a colead database."""

    exit_code = 4
    code = "database_unavailable"


class NotFound(ColeadError):
    exit_code = 5
    code = "not_found"


class ReviewNotFound(NotFound):
    code = "review_not_found"


class WaveNotFound(NotFound):
    code = "wave_not_found"


class UnknownPerson(NotFound):
    code = "unknown_person"


class UnknownRater(UnknownPerson):
    code = "unknown_rater"


class InvalidData(ColeadError):
    """Input that cannot be used at all: an unreadable file, the wrong kind of file, a
    missing required column. (Single bad rows are reported, not raised.)"""

    exit_code = 2
    code = "invalid_data"


class InvalidResponse(InvalidData):
    code = "invalid_response"


class WaveClosed(ColeadError):
    exit_code = 7
    code = "wave_closed"


class OutputError(ColeadError):
    """A report or export could not be written where the user asked."""

    exit_code = 8
    code = "output_error"


class Conflict(ColeadError):
    """An action that clashes with what is stored: a name already taken, or a step the
    current state does not allow."""

    exit_code = 6
    code = "conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class InvalidTransition(Conflict):
    """A wave status change its life cycle (draft -> open -> closed) does not allow."""

    code = "invalid_transition"


class ResultsNotPublished(Conflict):
    """Scores or comments of a wave that has not closed: while raters can still answer,
    only participation is published (each new answer would otherwise show in the results
    as the difference before and after it)."""

    code = "results_not_published"


class LoginFailed(ColeadError):
    """A login was refused. The same error for an unknown e-mail, a wrong password and a
    locked account, so that a failure never tells whether an account exists."""

    exit_code = 9
    code = "login_failed"


class LoginBusy(LoginFailed):
    """A login was refused before its password was checked: as many password checks as
    the server allows at once were running, and none came free in time. Answered like
    any refused login; nothing was counted against the account or the address."""

    code = "login_busy"


class MailUnavailable(ColeadError):
    """The mail server cannot be reached, refuses the connection or the login."""

    exit_code = 10
    code = "mail_unavailable"
