"""Chained dependencies: a course the caller may change, a lesson the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from coursevault.auth.deps import CurrentUser
from coursevault.courses import service
from coursevault.db import Document
from coursevault.deps import Db


async def owned_course(course_id: str, user: CurrentUser, db: Db) -> Document:
    return await service.owned_course(db=db, course_id=course_id, user=user)


async def lesson_by_id(lesson_id: str, user: CurrentUser, db: Db) -> service.LessonRef:
    return await service.lesson_ref(db=db, lesson_id=lesson_id, viewer=user)


OwnedCourse = Annotated[Document, Depends(owned_course)]
VisibleLesson = Annotated[service.LessonRef, Depends(lesson_by_id)]
