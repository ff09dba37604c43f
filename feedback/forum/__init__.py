"""The parent carer forum's and board's space: survey review, results and redacted comments.

Every route declares its permission with ``@permission_required``; the guard
refuses anything undeclared.
"""

from flask import Blueprint

from feedback.auth.guard import guard_staff_blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")
guard_staff_blueprint(bp)

from feedback.forum import actions  # noqa: E402,F401  (routes register on import)
from feedback.forum import reviews  # noqa: E402,F401
from feedback.forum import codebook, themes  # noqa: E402,F401
from feedback.forum import exports  # noqa: E402,F401
from feedback.forum import dashboard, report  # noqa: E402,F401
