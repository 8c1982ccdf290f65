"""Account and session schemas."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from coursevault import i18n


class Role(StrEnum):
    student = "student"
    instructor = "instructor"
    admin = "admin"


def normalize_email(value: str) -> str:
    """W10: one spelling per address. NFKC folds look-alikes that are the same characters
    to Unicode (fullwidth `ｓｔｕｄｅｎｔ`, ligatures, mathematical letters) into one form;
    lower case as before. ASCII, as every stored address is, comes out as it went in."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def _nfkc(value: Any) -> Any:
    # Before the address is validated, so a fullwidth `＠` or `．` is checked as `@`, `.`.
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


Email = Annotated[EmailStr, BeforeValidator(_nfkc), AfterValidator(normalize_email)]
# Sign-in takes any text (an unknown address is a failed sign-in, not a validation error)
# but looks it up in the same one spelling.
LoginEmail = Annotated[str, StringConstraints(max_length=320), AfterValidator(normalize_email)]
# Upper bound only against abuse; the policy (min length, 1 KiB) is applied in the service
# so that the message is the same for registration and password change.
Password = Annotated[str, Field(max_length=4096)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
# Any tag is taken; the routes store the shipped language it names (`i18n.shipped`).
LanguageIn = Annotated[
    str,
    Field(
        description="A language tag; a shipped language (en, de; de-AT is de) is kept, any "
        "other is English (no error)."
    ),
]
# Read back the same way, so a document stored before languages existed (or by hand) is
# English.
StoredLanguage = Annotated[i18n.Language, BeforeValidator(i18n.shipped)]


class UserCreate(BaseModel):
    email: Email
    password: Password
    name: Name
    role: Literal[Role.student, Role.instructor] = Role.student
    # The first mail already in the visitor's language; without one the account has none
    # chosen (English on the server, the browser's in the web app).
    language: LanguageIn | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str
    roles: list[Role]
    created_at: datetime
    email_verified: bool = False
    bio: str = ""  # a short text shown with the instructor's courses
    language: i18n.Language  # what the server writes to this account in
    # Whether the account chose it (at sign-up or in the language menu); if not (an account
    # made by the operator, the demo or an older version), the web app keeps the browser's.
    language_chosen: bool = False


class User(UserRead):
    """A user as the server sees it (never sent out: holds the hash); read from its stored
    document by `model_validate` (`_id` is the id, a confirmation time means confirmed)."""

    id: str = Field(validation_alias=AliasChoices("id", "_id"))
    password_hash: str
    disabled: bool = False
    password_changed_at: datetime | None = None  # a reset asked for before it mails nothing
    language: StoredLanguage = i18n.DEFAULT

    @model_validator(mode="before")
    @classmethod
    def _confirmed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "email_verified_at" in data:
            data = {**data, "email_verified": data["email_verified_at"] is not None}
        if isinstance(data, dict) and "_id" in data:  # a stored document
            data = {**data, "language_chosen": data.get("language") is not None}
        return data


class LoginIn(BaseModel):
    email: LoginEmail
    password: Password


class RefreshIn(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=512)


Bio = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class ProfileUpdate(BaseModel):
    name: Name | None = None
    bio: Bio | None = None
    language: LanguageIn | None = None


class PasswordChange(BaseModel):
    current_password: Password
    new_password: Password


class RegistrationAccepted(BaseModel):
    """The answer to every well-formed sign-up, new address or not (no account oracle)."""

    email: str
    detail: str


class EmailIn(BaseModel):
    email: Email


class VerifyEmailIn(BaseModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class PasswordResetConfirm(BaseModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    password: Password


class Accepted(BaseModel):
    detail: str


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name
    expires_in: int
    refresh_token: str


class UserPage(BaseModel):
    items: list[UserRead]
    total: int


class RoleIn(BaseModel):
    role: Role
