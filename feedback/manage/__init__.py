"""Officers' workspace: surveys, waves, data entry, imports, exports, users and audit.

Every route declares its permission with ``@permission_required``; the guard
refuses anything undeclared.
"""

from flask import Blueprint

from feedback.auth.guard import guard_staff_blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
guard_staff_blueprint(bp)

# Route modules register their views on import.
from feedback.manage import (  # noqa: E402, F401
    actions,
    audit,
    comments,
    data,
    kpis,
    monitor,
    returns,
    surveys,
    users,
    waves,
)
