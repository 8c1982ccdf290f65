"""The studio dashboard: how an instructor's business is doing, over their own courses,
sales and plans (an admin's too: the site-wide view is the money page).

Every read is bounded by the instructor's own courses and plans and, over an index, by
time or by what is in force now: their orders paid in the last 12 weeks ((instructor,
paid_at) and (course, paid_at)), the memberships of their plans written in those weeks
((plan, updated_at)), per course the grants in force now and the progress of its counted
lessons, the live sessions of their courses ((course, lease_until)) and the engagement
counters of their video lessons (by `_id`).

A student of a course is someone it is open to now, as a student: a grant in force of
any source but staff (a purchase, a bundle, a gift, a seat, a free enrolment, or a
membership whose plan names the course or, when it is on sale, spans the site). A
refunded or taken-back grant, an ended membership or a staff grant makes no student.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from coursevault import clock
from coursevault.assessments import completion
from coursevault.auth.models import User
from coursevault.courses import service as courses
from coursevault.courses.models import PassRule
from coursevault.courses.outline import lessons_of
from coursevault.database.db import Database, Document
from coursevault.engagement import service as engagement
from coursevault.enrollments import service as enrollments
from coursevault.media import service as media
from coursevault.memberships import money as memberships
from coursevault.payments import orders
from coursevault.payments.models import Sale
from coursevault.progress import service as progress
from coursevault.reports.models import (
    CompletionTotals,
    CourseCompletion,
    CurrencyRevenue,
    DashboardWeek,
    DropOff,
    StudioDashboard,
    WeekCount,
    WeekRevenue,
)
from coursevault.streaming import service as playback

log = logging.getLogger(__name__)

WEEKS = 12
TOP_DROP_OFFS = 5


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_weeks(now: datetime, count: int = WEEKS) -> list[DashboardWeek]:
    """The COUNT ISO weeks up to NOW's, oldest first."""
    monday = now.date() - timedelta(days=now.weekday())
    starts = [monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    return [DashboardWeek(week=iso_week(d), starts_on=d) for d in starts]


def _start(weeks: list[DashboardWeek]) -> datetime:
    return datetime.combine(weeks[0].starts_on, time(), tzinfo=UTC)


def revenue_by_week(sales: Iterable[Sale], weeks: list[DashboardWeek]) -> list[CurrencyRevenue]:
    """SALES summed per currency and ISO week of payment (refunds count against the week
    of the sale), every week present."""
    known = {w.week for w in weeks}
    paid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    refunded: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sale in sales:
        week = iso_week(sale.paid_at.astimezone(UTC).date())
        if week not in known:
            continue
        if not sale.currency:
            # No amount can be shown without its currency (the web formats it with Intl).
            log.warning("a sale of %s without a currency left out of the dashboard", week)
            continue
        paid[sale.currency][week] += sale.amount
        if sale.refunded:
            refunded[sale.currency][week] += sale.amount
    result = []
    for currency in sorted(paid):
        rows = [
            WeekRevenue(
                week=w.week,
                paid=paid[currency][w.week],
                refunded=refunded[currency][w.week],
                net=paid[currency][w.week] - refunded[currency][w.week],
            )
            for w in weeks
        ]
        result.append(CurrencyRevenue(currency=currency, weeks=rows, net=sum(r.net for r in rows)))
    return result


def new_students_by_week(grants: Iterable[Document], weeks: list[DashboardWeek]) -> list[WeekCount]:
    """The students of GRANTS (grants in force now) counted in the week the earliest of
    their grants for any of the courses started."""
    first: dict[str, datetime] = {}
    for grant in grants:
        held = first.get(grant["user_id"])
        if held is None or grant["starts_at"] < held:
            first[grant["user_id"]] = grant["starts_at"]
    counts: dict[str, int] = defaultdict(int)
    for at in first.values():
        counts[iso_week(at.astimezone(UTC).date())] += 1
    return [WeekCount(week=w.week, count=counts[w.week]) for w in weeks]


async def _finished(*, db: Database, course: Document, students: set[str]) -> int:
    """How many of STUDENTS meet COURSE's completion rule (the certificate's): every
    counted lesson done, then, when the rule involves quizzes, their standing."""
    done = await progress.finishers(
        db=db, course_id=course["_id"], lesson_ids=courses.counted_lessons(course)
    )
    candidates = [user_id for user_id in done if user_id in students]
    rule = courses.completion_of(course)
    if not rule.required_quizzes and rule.pass_rule is PassRule.none:
        return len(candidates)
    # Only students who did every lesson are asked about their quizzes: a bounded few.
    count = 0
    for user_id in candidates:
        standing = await completion.standing(db=db, user_id=user_id, course=course)
        count += standing.complete
    return count


async def _drop_offs(*, db: Database, taught: list[Document]) -> list[DropOff]:
    """The lessons most viewers left before their end, over every video lesson taught."""
    lessons = {
        lesson["id"]: (course, lesson)
        for course in taught
        for lesson in lessons_of(course)
        if lesson.get("video_id")
    }
    videos = await media.videos_by_id(
        db=db, video_ids=sorted({lesson["video_id"] for _, lesson in lessons.values()})
    )
    durations = {
        lesson_id: (v.duration if (v := videos.get(lesson["video_id"])) else None)
        for lesson_id, (_, lesson) in lessons.items()
    }
    found = await engagement.stopped_early(db=db, durations=durations)
    ranked = sorted(
        ((lesson_id, views, stopped) for lesson_id, (views, stopped) in found.items() if stopped),
        key=lambda row: (-row[2], -row[2] / row[1], row[0]),
    )
    return [
        DropOff(
            course_id=lessons[lesson_id][0]["_id"],
            course_title=lessons[lesson_id][0]["title"],
            lesson_id=lesson_id,
            lesson_title=lessons[lesson_id][1]["title"],
            views=views,
            stopped=stopped,
            share=round(stopped / views, 4),
        )
        for lesson_id, views, stopped in ranked[:TOP_DROP_OFFS]
    ]


def _rate(finished: int, enrolled: int) -> float:
    return round(finished / enrolled, 4) if enrolled else 0.0


async def studio_dashboard(*, db: Database, user: User) -> StudioDashboard:
    """USER's dashboard: revenue and new students per week over the last 12 ISO weeks,
    who is watching now, completion per course and overall (of the students now), and
    the top drop-offs."""
    now = clock.now()
    weeks = last_weeks(now)
    taught = await courses.taught_by(db=db, instructor_id=user.id)
    sales = [
        *await orders.sales_since(db=db, instructor_id=user.id, since=_start(weeks)),
        *await memberships.invoices_since(db=db, owner_id=user.id, since=_start(weeks)),
    ]
    watching = await playback.live_viewers(db=db, course_ids=[c["_id"] for c in taught])
    grants: list[Document] = []
    rows = []
    for course in taught:
        in_force = await enrollments.students_now(
            db=db, course_id=course["_id"], published=courses.on_sale(course)
        )
        grants.extend(in_force)
        students = {g["user_id"] for g in in_force}
        finished = await _finished(db=db, course=course, students=students)
        rows.append(
            CourseCompletion(
                course_id=course["_id"],
                title=course["title"],
                enrolled=len(students),
                finished=finished,
                completion_rate=_rate(finished, len(students)),
                watching_now=len(watching.get(course["_id"], ())),
            )
        )
    enrolled = sum(r.enrolled for r in rows)
    finished = sum(r.finished for r in rows)
    return StudioDashboard(
        weeks=weeks,
        revenue=revenue_by_week(sales, weeks),
        new_students=new_students_by_week(grants, weeks),
        watching_now=len(set().union(*watching.values())),
        courses=rows,
        completion=CompletionTotals(
            enrolled=enrolled, finished=finished, completion_rate=_rate(finished, enrolled)
        ),
        drop_offs=await _drop_offs(db=db, taught=taught),
    )
