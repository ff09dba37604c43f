"""Staff accounts. Respondents never have accounts; their answers are anonymous.

Passwords are hashed with scrypt (Werkzeug's default KDF). ``session_version``
is part of the login cookie's identity: signing out bumps it, so a copied cookie
stops working at once, server-side.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import clock
from feedback.db import Base
from feedback.models.types import enum_column
from feedback.permissions import ROLE_PERMISSIONS, Role

MIN_PASSWORD_LENGTH = 12


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]

    def set_password(self, password: str) -> None:
        """Hash and store ``password``.

        :raise ValueError: if it is shorter than ``MIN_PASSWORD_LENGTH``.
        """
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def can(self, permission: str) -> bool:
        return self.active and permission in ROLE_PERMISSIONS[self.role]

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: identity changes when sessions are revoked
        return f"{self.id}:{self.session_version}"

    def revoke_sessions(self) -> None:
        self.session_version += 1

    @property
    def label(self) -> str:
        return self.name or self.email
