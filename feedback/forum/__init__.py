"""The parent carer forum's and board's space: survey review, results and redacted comments.

Every route declares its permission with ``@permission_required``; the guard
refuses anything undeclared.
"""

from flask import Blueprint

from feedback.auth.guard import guard_staff_blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")
guard_staff_blueprint(bp)

# Route modules register their views on import.
from feedback.forum import (  # noqa: E402, F401
    actions,
    codebook,
    dashboard,
    exports,
    report,
    reviews,
    themes,
)
