"""HTTP routes for quizzes: a student's attempts, the instructor's editor, checkpoints,
results and the course standing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from coursevault.assessments import completion, editor, results, service
from coursevault.auth.deps import CurrentUser
from coursevault.courses import access
from coursevault.courses import service as courses
from coursevault.courses.deps import OwnedCourse, VisibleCourse
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import Db
from coursevault.quizzes import editing
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import (
    AnswerIn,
    AnswerSaved,
    AttemptView,
    CheckpointCreate,
    GiftImport,
    QuestionsPut,
    Quiz,
    QuizEdit,
    QuizUpdate,
    QuizView,
)

router = APIRouter(prefix="/api", tags=["quizzes"], responses=ERROR_RESPONSES)
QuizId = Annotated[str, Path(max_length=64)]
AttemptId = Annotated[str, Path(max_length=64)]


def _edit(quiz: Quiz) -> QuizEdit:
    return QuizEdit(
        **quiz.model_dump(exclude={"questions", "created_at"}),
        questions=[editing.as_input(q) for q in quiz.questions],
    )


# ---- students ------------------------------------------------------------------------


@router.get("/quizzes/{quiz_id}", operation_id="getQuiz")
async def get_quiz(quiz_id: QuizId, user: CurrentUser, db: Db) -> QuizView:
    return await service.quiz_view(db=db, user=user, quiz_id=quiz_id)


@router.post(
    "/quizzes/{quiz_id}/attempts",
    status_code=status.HTTP_201_CREATED,
    operation_id="startAttempt",
)
async def start_attempt(
    quiz_id: QuizId, user: CurrentUser, db: Db, response: Response
) -> AttemptView:
    """A new attempt (201), or the open one (200): a reload never starts a second."""
    view, new = await service.start(db=db, user=user, quiz_id=quiz_id)
    if not new:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("/attempts/{attempt_id}", operation_id="getAttempt")
async def get_attempt(attempt_id: AttemptId, user: CurrentUser, db: Db) -> AttemptView:
    return await service.attempt_view(db=db, user=user, attempt_id=attempt_id)


@router.put("/attempts/{attempt_id}/answers/{question_id}", operation_id="saveAnswer")
async def save_answer(
    attempt_id: AttemptId,
    question_id: Annotated[str, Path(max_length=64)],
    answer: AnswerIn,
    user: CurrentUser,
    db: Db,
) -> AnswerSaved:
    return await service.answer(
        db=db, user=user, attempt_id=attempt_id, question_id=question_id, given=answer
    )


@router.post("/attempts/{attempt_id}/submit", operation_id="submitAttempt")
async def submit_attempt(attempt_id: AttemptId, user: CurrentUser, db: Db) -> AttemptView:
    return await service.submit(db=db, user=user, attempt_id=attempt_id)


@router.get("/courses/{course_id}/standing", operation_id="courseStanding")
async def course_standing(
    course: VisibleCourse, user: CurrentUser, db: Db
) -> completion.CourseStanding:
    """Where the student stands against the course's completion rule."""
    return await completion.standing(db=db, user_id=user.id, course=course)


# ---- instructors ---------------------------------------------------------------------


@router.get("/courses/{course_id}/quizzes", operation_id="listCourseQuizzes")
async def list_quizzes(course: OwnedCourse, db: Db) -> list[QuizEdit]:
    return [_edit(q) for q in await quizzes_repo.quizzes_of_course(db=db, course_id=course["_id"])]


@router.post(
    "/lessons/{lesson_id}/checkpoints",
    status_code=status.HTTP_201_CREATED,
    operation_id="addCheckpoint",
)
async def add_checkpoint(
    lesson_id: Annotated[str, Path(max_length=64)],
    checkpoint_in: CheckpointCreate,
    user: CurrentUser,
    db: Db,
) -> QuizEdit:
    ref = await access.lesson_ref(db=db, lesson_id=lesson_id, viewer=user)
    course = await courses.owned_course(db=db, course_id=ref.course_id, user=user)
    quiz = await editor.add_checkpoint(
        db=db, course=course, lesson_id=lesson_id, checkpoint_in=checkpoint_in
    )
    return _edit(quiz)


@router.get("/quizzes/{quiz_id}/edit", operation_id="editQuiz")
async def edit_quiz(quiz_id: QuizId, user: CurrentUser, db: Db) -> QuizEdit:
    quiz, _ = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    return _edit(quiz)


@router.patch("/quizzes/{quiz_id}", operation_id="updateQuiz")
async def update_quiz(quiz_id: QuizId, quiz_in: QuizUpdate, user: CurrentUser, db: Db) -> QuizEdit:
    quiz, course = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    return _edit(await editor.update(db=db, quiz=quiz, course=course, quiz_in=quiz_in))


@router.put("/quizzes/{quiz_id}/questions", operation_id="putQuestions")
async def put_questions(
    quiz_id: QuizId, questions_in: QuestionsPut, user: CurrentUser, db: Db
) -> QuizEdit:
    """The whole list, in order; 409 edit_conflict when another editor saved since
    VERSION was read."""
    quiz, _ = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    updated = await editing.put_questions(
        db=db, quiz=quiz, version=questions_in.version, questions=questions_in.questions
    )
    return _edit(updated)


@router.post("/quizzes/{quiz_id}/import", operation_id="importGift")
async def import_gift(quiz_id: QuizId, gift_in: GiftImport, user: CurrentUser, db: Db) -> QuizEdit:
    """Adds the questions of a Moodle GIFT file; 422 invalid_gift naming the line, and
    nothing imported, when any part of it cannot be read."""
    quiz, _ = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    return _edit(await editing.import_gift(db=db, quiz=quiz, text=gift_in.text))


@router.get("/quizzes/{quiz_id}/preview", operation_id="previewQuiz")
async def preview_quiz(quiz_id: QuizId, user: CurrentUser, db: Db) -> AttemptView:
    """The quiz as a student would see a new attempt; nothing is stored."""
    quiz, _ = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    return editor.preview(quiz, user)


@router.delete(
    "/quizzes/{quiz_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteCheckpoint"
)
async def delete_checkpoint(quiz_id: QuizId, user: CurrentUser, db: Db) -> None:
    quiz, course = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    await editor.delete_checkpoint(db=db, quiz=quiz, course=course)


@router.get("/quizzes/{quiz_id}/results", operation_id="quizResults")
async def quiz_results(quiz_id: QuizId, user: CurrentUser, db: Db) -> results.QuizResults:
    quiz, _ = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    return await results.of_quiz(db=db, quiz=quiz)


@router.get(
    "/quizzes/{quiz_id}/results.csv",
    operation_id="quizResultsCsv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def quiz_results_csv(quiz_id: QuizId, user: CurrentUser, db: Db) -> Response:
    quiz, _ = await editor.owned_quiz(db=db, user=user, quiz_id=quiz_id)
    text = results.as_csv(await results.of_quiz(db=db, quiz=quiz))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="quiz-{quiz.id}-results.csv"'},
    )
