"""The structured outputs asked of a model (pydantic models: their JSON schemas are sent).

Kept apart from the narrator so that registering the plugin imports neither pydantic nor
pydantic-ai: every ``egregora`` command loads plugins at start-up.
"""

from __future__ import annotations

from typing import Literal

from egregora_core.narrative import Draft, Paragraph
from pydantic import BaseModel, Field

from .prompt import Labels


class ParagraphOut(BaseModel):
    text: str = Field(description="A few sentences of prose.")
    cites: list[str] = Field(description="Labels (like m3) of the messages it is built on.")


class DraftOut(BaseModel):
    """A blog post about one period of the chat."""

    title: str
    summary: str
    tags: list[str]
    paragraphs: list[ParagraphOut]
    memo: str = Field(description="2-3 sentences of context for the next post.")

    def draft(self, labels: Labels) -> Draft:
        return Draft(
            title=self.title.strip(),
            summary=self.summary.strip(),
            tags=[t.strip() for t in self.tags if t.strip()],
            paragraphs=[Paragraph(p.text.strip(), labels.ids(p.cites)) for p in self.paragraphs],
            memo=self.memo.strip(),
        )


class PortraitOut(BaseModel):
    text: str = Field(description="One paragraph of prose.")
    cites: list[str] = Field(default_factory=list, description="Labels (like s2) of samples used.")


class Verdict(BaseModel):
    winner: Literal["left", "right", "tie"]
