"""Database models, one module per part of the domain; import from here."""

from feedback.db import Base
from feedback.models.actions import Action, ActionComment, ActionStatus, ActionUpdate
from feedback.models.audit import AuditEvent
from feedback.models.comments import CodebookVersion, CommentCoding, CommentTheme, HumanCoding
from feedback.models.data_version import DataVersion
from feedback.models.kpis import KpiBaseline, KpiCommentary, KpiMilestone, OtherKpiValue
from feedback.models.responses import Answer, Channel, Draft, Response
from feedback.models.surveys import Survey, SurveyVersion, VersionStatus, Wave, WaveKind, WaveStatus
from feedback.models.users import User

__all__ = [
    "Action",
    "ActionComment",
    "ActionStatus",
    "ActionUpdate",
    "Answer",
    "AuditEvent",
    "Base",
    "Channel",
    "CodebookVersion",
    "CommentCoding",
    "CommentTheme",
    "DataVersion",
    "Draft",
    "HumanCoding",
    "KpiBaseline",
    "KpiCommentary",
    "KpiMilestone",
    "OtherKpiValue",
    "Response",
    "Survey",
    "SurveyVersion",
    "User",
    "VersionStatus",
    "Wave",
    "WaveKind",
    "WaveStatus",
]
