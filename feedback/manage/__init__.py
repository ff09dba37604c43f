"""Officers' workspace: surveys, waves, data entry, imports, exports, users and audit.

Every route declares its permission with ``@permission_required``; the guard
refuses anything undeclared.
"""

from flask import Blueprint

from feedback.auth.guard import guard_staff_blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
guard_staff_blueprint(bp)

from feedback.manage import actions  # noqa: E402,F401  (routes register on import)
from feedback.manage import audit  # noqa: E402,F401
from feedback.manage import comments  # noqa: E402,F401
from feedback.manage import kpis  # noqa: E402,F401
from feedback.manage import monitor  # noqa: E402,F401
from feedback.manage import surveys  # noqa: E402,F401
from feedback.manage import users  # noqa: E402,F401
from feedback.manage import waves  # noqa: E402,F401
from feedback.manage import data  # noqa: E402,F401
from feedback.manage import returns  # noqa: E402,F401
