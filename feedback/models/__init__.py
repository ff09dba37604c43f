"""Database models, one module per part of the domain; import from here."""

from feedback.db import Base
from feedback.models.responses import Answer, Channel, Draft, Response
from feedback.models.surveys import Survey, SurveyVersion, VersionStatus, Wave, WaveKind, WaveStatus

__all__ = [
    "Answer",
    "Base",
    "Channel",
    "Draft",
    "Response",
    "Survey",
    "SurveyVersion",
    "VersionStatus",
    "Wave",
    "WaveKind",
    "WaveStatus",
]
