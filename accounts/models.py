"""Tables of accounts, their login sessions and failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base


class Account(Base):
    """A member of staff or an analyst; roles and languages are comma-separated lists."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(80))
    languages: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]

    def has_role(self, role: str) -> bool:
        return role in self.roles.split(",")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class LoginSession(Base):
    """A logged-in browser; only a hash of the cookie's token is stored.

    It ends at `expires_at` (the absolute limit) or after a while without use (`last_seen_at`).
    """

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One wrong password: for which (normalised) user name, from which address, when. Never the password."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
