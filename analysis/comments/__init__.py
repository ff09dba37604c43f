"""Thematic comment analysis: themes, sentiment and personal-data redaction.

Pure and Flask-free. The web app stores codebooks and human codings; this
package only turns plain data into plain data.
"""

from analysis.comments.codebook import Codebook, Cue, Theme, default_codebook
from analysis.comments.pipeline import analyse_comment, analyse_comments
from analysis.comments.redact import find_pii, redact
from analysis.comments.sentiment import score_sentiment
from analysis.comments.themes import ThemeCoder, code_themes

__all__ = [
    "Codebook",
    "Cue",
    "Theme",
    "ThemeCoder",
    "analyse_comment",
    "analyse_comments",
    "code_themes",
    "default_codebook",
    "find_pii",
    "redact",
    "score_sentiment",
]
