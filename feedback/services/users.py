"""Creating, finding, deactivating and reactivating staff accounts; signing in and out."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import clock
from feedback.models.users import User
from feedback.permissions import Role
from feedback.services.audit import record
from surveys.validation import clean_text


class UserError(ValueError):
    """A staff account change that cannot be made, with a message for the person."""


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    # Control characters, spaces and lone surrogates (undecodable bytes from a shell)
    # never belong in an address, and NUL would fail on PostgreSQL but not SQLite.
    odd = any(c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in email)
    if odd or "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise UserError("Enter an email address in the correct format, like name@example.org")
    return email


def _clean_name(name: str) -> str:
    """Names get the answers' cleaning; undecodable bytes from a shell become U+FFFD."""
    name = clean_text(name or "").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return name[:200]


def find_user(session: Session, email: str) -> User | None:
    try:
        email = normalise_email(email)
    except UserError:
        return None
    return session.scalars(select(User).where(func.lower(User.email) == email)).first()


def create_user(
    session: Session, email: str, role: str | Role, password: str, *, name: str = "", by=None
) -> User:
    """Create a staff account.

    :raise UserError: for a bad email, an unknown role, a short password or a taken email.
    """
    email = normalise_email(email)
    try:
        role = role if isinstance(role, Role) else Role(role)
    except ValueError:
        raise UserError(f"Choose a role: {', '.join(r.value for r in Role)}") from None
    if find_user(session, email):
        raise UserError(f"There is already an account for {email}")
    user = User(email=email, name=_clean_name(name), role=role, password_hash="")
    try:
        user.set_password(password)
    except ValueError as exc:
        raise UserError(str(exc).capitalize()) from exc
    session.add(user)
    session.flush()
    record(
        session,
        "user.create",
        user=by,
        target=f"user:{user.id}",
        detail={"email": email, "role": role.value},
    )
    session.commit()
    return user


def authenticate(
    session: Session, email: str, password: str, *, ip: str | None = None
) -> User | None:
    """The active user with this email and password, or None; both outcomes are audited."""
    user = find_user(session, email)
    if user is None or not user.active or not user.check_password(password):
        record(session, "login.failed", actor=(email or "")[:254], ip=ip, user=None)
        session.commit()
        return None
    user.last_login_at = clock.now()
    record(session, "login", user=user, ip=ip)
    session.commit()
    return user


def sign_out(session: Session, user: User) -> None:
    """End every session of ``user``: old cookies no longer match ``session_version``."""
    user.revoke_sessions()
    record(session, "logout", user=user)
    session.commit()


def deactivate(session: Session, email: str, *, by=None) -> User:
    user = find_user(session, email)
    if user is None:
        raise UserError(f"No account for {email}")
    user.active = False
    user.revoke_sessions()
    record(session, "user.deactivate", user=by, target=f"user:{user.id}")
    session.commit()
    return user


def reactivate(session: Session, email: str, password: str, *, by=None) -> User:
    """Let a deactivated account sign in again, with a new password the administrator sets.

    The old password is replaced, never restored: an account is often deactivated
    because its password may be known to someone else (a leaver, a shared or
    phished password), and in the months it was off the password may have turned
    up in a breach nobody told us about. The administrator gives the new password
    to the person privately, as when an account is created. Sessions are revoked
    again, so nothing issued before reactivation works.

    :raise UserError: for no such account, an account that is not deactivated, or
        a short password.
    """
    user = find_user(session, email)
    if user is None:
        raise UserError(f"No account for {email}")
    if user.active:
        raise UserError(f"{user.email} is not deactivated, so there is nothing to reactivate")
    try:
        user.set_password(password)
    except ValueError as exc:
        raise UserError(str(exc).capitalize()) from exc
    user.active = True
    user.revoke_sessions()
    record(
        session,
        "user.reactivate",
        user=by,
        target=f"user:{user.id}",
        detail={"email": user.email, "new_password": True},
    )
    session.commit()
    return user
