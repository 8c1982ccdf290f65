"""Chained dependencies: a course the caller may change, a lesson the caller may see, a
lesson the caller may open (staff, enrolled or preview)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from coursevault.auth.deps import CurrentUser
from coursevault.courses import access, service
from coursevault.database.db import Document
from coursevault.http.deps import Db


async def owned_course(course_id: str, user: CurrentUser, db: Db) -> Document:
    return await service.owned_course(db=db, course_id=course_id, user=user)


async def lesson_by_id(lesson_id: str, user: CurrentUser, db: Db) -> access.LessonRef:
    return await access.lesson_ref(db=db, lesson_id=lesson_id, viewer=user)


async def visible_course(course_id: str, user: CurrentUser, db: Db) -> Document:
    return await service.visible_course(db=db, ref=course_id, viewer=user)


VisibleLesson = Annotated[access.LessonRef, Depends(lesson_by_id)]
VisibleCourse = Annotated[Document, Depends(visible_course)]


async def enrolled_lesson(ref: VisibleLesson, user: CurrentUser, db: Db) -> access.LessonRef:
    await access.lesson_access(db=db, user=user, ref=ref)
    return ref


OwnedCourse = Annotated[Document, Depends(owned_course)]
EnrolledLesson = Annotated[access.LessonRef, Depends(enrolled_lesson)]
