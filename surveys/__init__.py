"""What we ask: survey definitions as data, their schema, the KPI registry and answer validation.

Nothing here imports Flask or the database, so the definitions can be checked,
printed and tested on their own, and the web platform (``feedback``) depends on
this package, never the reverse.
"""

from surveys.loader import DefinitionError, load_all, load_definition
from surveys.schema import Option, Question, SurveyDefinition

__all__ = [
    "DefinitionError",
    "Option",
    "Question",
    "SurveyDefinition",
    "load_all",
    "load_definition",
]
