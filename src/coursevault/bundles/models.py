"""Bundle schemas: several courses of one instructor sold together at one price."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from coursevault.courses.models import CourseSummary, Currency
from coursevault.text import Title

MIN_COURSES = 2
MAX_COURSES = 50

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)]
CourseId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _distinct(ids: list[str]) -> list[str]:
    if len(set(ids)) != len(ids):
        raise ValueError("a course appears twice")
    return ids


CourseIds = Annotated[
    list[CourseId],
    Field(min_length=MIN_COURSES, max_length=MAX_COURSES),
    AfterValidator(_distinct),
]


class BundlePrice(BaseModel):
    """The bundle's own price in minor units: never free (a free course is enrolled in)."""

    amount: int = Field(gt=0, le=100_000_000)
    currency: Currency = "usd"


class BundleCreate(BaseModel):
    title: Title
    description: Description = ""
    course_ids: CourseIds
    price: BundlePrice
    published: bool = False  # visitors see (and buy) only a published bundle


class BundleUpdate(BaseModel):
    title: Title | None = None
    description: Description | None = None
    course_ids: CourseIds | None = None
    price: BundlePrice | None = None
    published: bool | None = None


class Bundle(BaseModel):
    """A stored bundle (`bundles`)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    instructor_id: str  # every course of the bundle is theirs
    created_by: str
    title: str
    description: str
    course_ids: list[str]
    price: BundlePrice
    published: bool
    created_at: datetime
    updated_at: datetime


class BundleRead(BaseModel):
    """A bundle as its instructor (or an admin) manages it."""

    id: str
    instructor_id: str
    title: str
    description: str
    course_ids: list[str]
    price: BundlePrice
    published: bool
    created_at: datetime
    updated_at: datetime


class BundlePublicRead(BaseModel):
    """A published bundle as visitors see it: its courses, its price and what they would
    cost one by one (in the bundle's currency; courses priced in another are left out)."""

    id: str
    title: str
    description: str
    instructor_name: str
    price: BundlePrice
    courses: list[CourseSummary]
    separate_amount: int


class BundleOffer(BaseModel):
    """A bundle on sale that includes a course, as the course's page offers it."""

    id: str
    title: str
    price: BundlePrice
    course_count: int
    separate_amount: int  # its courses one by one, in the bundle's currency
