"""The errors quizzes, attempts and checkpoints answer with."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Msg, Text, msg


def quiz_not_found() -> AppError:
    return AppError(404, ErrorCode.quiz_not_found, msg("This quiz does not exist."))


def attempt_not_found() -> AppError:
    """Also the answer for another student's attempt: its existence is not told (Q2)."""
    return AppError(404, ErrorCode.attempt_not_found, msg("This attempt does not exist."))


def question_not_found() -> AppError:
    return AppError(404, ErrorCode.question_not_found, msg("This question is not in the attempt."))


def attempt_closed() -> AppError:
    return AppError(409, ErrorCode.attempt_closed, msg("This attempt was already submitted."))


def attempt_expired(attempt_id: str) -> AppError:
    return AppError(
        409,
        ErrorCode.attempt_expired,
        msg("The time for this attempt is up; it was graded with the answers saved in time."),
        detail={"attempt_id": attempt_id},
    )


def no_attempts_left(allowed: int) -> AppError:
    return AppError(
        409,
        ErrorCode.no_attempts_left,
        msg("You have used the {allowed} attempt(s) this quiz allows.", allowed=allowed),
        detail={"attempts_allowed": allowed},
    )


def busy() -> AppError:
    return AppError(
        409, ErrorCode.conflict, msg("This attempt kept changing while it was saved; try again.")
    )


def invalid_answer(reason: Msg) -> AppError:
    return AppError(
        422, ErrorCode.invalid_answer, msg("This answer cannot be saved: {reason}.", reason=reason)
    )


def answer_locked() -> AppError:
    return AppError(
        409,
        ErrorCode.answer_locked,
        msg(
            "This question was answered and its answer shown; it cannot be changed in this attempt."
        ),
    )


def completion_needs_passing() -> AppError:
    return AppError(
        409,
        ErrorCode.completion_needs_passing,
        msg("A quiz lesson is completed by passing its quiz; it cannot be marked as done."),
    )


def invalid_gift(line: int, reason: Text) -> AppError:
    """REASON is pydantic's English for a question the file describes badly (a plain
    string): other languages then read the code's sentence, not English inside theirs."""
    text = msg("Line {line}: {reason}. Nothing was imported.", line=line, reason=reason)
    return AppError(
        422,
        ErrorCode.invalid_gift,
        text if isinstance(reason, Msg) else str(text),
        detail={"line": line},
    )


def invalid_quiz(reason: Msg) -> AppError:
    return AppError(422, ErrorCode.invalid_quiz, reason)


def checkpoint_required(checkpoint_id: str, at: float) -> AppError:
    """A key of a period after a checkpoint the viewer has not passed (Q3)."""
    return AppError(
        403,
        ErrorCode.checkpoint_required,
        msg("Answer the question at this point of the lesson to watch on."),
        detail={"checkpoint_id": checkpoint_id, "at": at},
    )


def edit_conflict() -> AppError:
    return AppError(
        409,
        ErrorCode.edit_conflict,
        msg("Someone saved this quiz's questions after you opened them; reload and edit again."),
    )
