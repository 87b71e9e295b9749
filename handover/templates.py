"""Reply templates (Textbausteine) in the database: a German title and a text per language, with review marks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.templates import TemplateSeed
from storage.db import Base, Database

# Titles and texts are cut to these lengths (a template is a few sentences).
TITLE_CHARS = 200
TEXT_CHARS = 4000


class ReplyTemplate(Base):
    """One template; `key` links a template of data/templates.yml to its row, so a seed is added once."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_CHARS))
    position: Mapped[int] = mapped_column(default=0)
    # Deleted by staff: hidden, but kept so that the seed of the same key is not added again.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(120))


class ReplyTemplateText(Base):
    """A template's text in one language, and who (a native speaker) checked it, if anyone."""

    __tablename__ = "reply_template_texts"

    template_id: Mapped[int] = mapped_column(ForeignKey("reply_templates.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))


@dataclass(frozen=True)
class Template:
    """A template as staff see it: title, texts by language, and who checked which language."""

    id: int
    title: str
    texts: Mapping[str, str]
    reviewed_by: Mapping[str, str]


class TemplateStore:
    """Read and change the templates; each method is one transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def all(self) -> list[Template]:
        """Return every template in use, in their order."""
        async with self._database.sessions() as session:
            rows = list(
                await session.scalars(
                    select(ReplyTemplate).where(ReplyTemplate.retired.is_(False)).order_by(ReplyTemplate.position, ReplyTemplate.id)
                )
            )
            texts = list(
                await session.scalars(select(ReplyTemplateText).where(ReplyTemplateText.template_id.in_([r.id for r in rows])))
            ) if rows else []
        return [_template(row, [t for t in texts if t.template_id == row.id]) for row in rows]

    async def get(self, template_id: int) -> Template | None:
        async with self._database.sessions() as session:
            row = await session.get(ReplyTemplate, template_id)
            if row is None or row.retired:
                return None
            texts = list(await session.scalars(select(ReplyTemplateText).where(ReplyTemplateText.template_id == row.id)))
        return _template(row, texts)

    async def save(
        self,
        template_id: int | None,
        title: str,
        texts: Mapping[str, str],
        reviewed: Mapping[str, bool],
        by: str,
        now: datetime,
    ) -> int:
        """Create (`template_id` None) or change a template; a changed text loses its review unless re-confirmed."""
        async with self._database.sessions() as session, session.begin():
            row = await session.get(ReplyTemplate, template_id) if template_id is not None else None
            if row is None or row.retired:
                last = await session.scalar(select(ReplyTemplate.position).order_by(ReplyTemplate.position.desc()).limit(1))
                row = ReplyTemplate(title=title, position=(last or 0) + 1, updated_at=now, updated_by=by)
                session.add(row)
                await session.flush()
            row.title, row.updated_at, row.updated_by = title[:TITLE_CHARS], now, by
            stored = {t.language: t for t in await session.scalars(select(ReplyTemplateText).where(ReplyTemplateText.template_id == row.id))}
            for language, text in texts.items():
                text = text.strip()[:TEXT_CHARS]
                current = stored.get(language)
                if not text:
                    if current is not None:
                        await session.delete(current)
                    continue
                if current is None:
                    current = ReplyTemplateText(template_id=row.id, language=language, text=text)
                    session.add(current)
                elif current.text != text:
                    current.text, current.reviewed_by = text, None
                if reviewed.get(language):
                    current.reviewed_by = current.reviewed_by or by
                else:
                    current.reviewed_by = None
            return row.id

    async def retire(self, template_id: int, by: str, now: datetime) -> None:
        """Take a template out of use (its texts are deleted; the row stays so its seed is not added again)."""
        async with self._database.sessions() as session, session.begin():
            row = await session.get(ReplyTemplate, template_id)
            if row is None:
                return
            row.retired, row.updated_at, row.updated_by = True, now, by
            await session.execute(delete(ReplyTemplateText).where(ReplyTemplateText.template_id == template_id))

    async def seed(self, seeds: list[TemplateSeed], now: datetime) -> int:
        """Add the templates of data/templates.yml whose key is new; return how many were added."""
        for attempt in range(3):
            try:
                return await self._seed(seeds, now)
            except IntegrityError:
                # Another instance starting at the same moment added the same keys first: read them and go on.
                if attempt == 2:
                    raise
        return 0

    async def _seed(self, seeds: list[TemplateSeed], now: datetime) -> int:
        added = 0
        async with self._database.sessions() as session, session.begin():
            known = set(await session.scalars(select(ReplyTemplate.key).where(ReplyTemplate.key.is_not(None))))
            last = await session.scalar(select(ReplyTemplate.position).order_by(ReplyTemplate.position.desc()).limit(1)) or 0
            for seed in seeds:
                if seed.key in known:
                    continue
                last += 1
                row = ReplyTemplate(key=seed.key, title=seed.title, position=last, updated_at=now, updated_by=None)
                session.add(row)
                await session.flush()
                for language, text in seed.texts.items():
                    review = seed.confirmed(language)
                    session.add(
                        ReplyTemplateText(
                            template_id=row.id, language=language, text=text, reviewed_by=review.by if review else None
                        )
                    )
                added += 1
        return added


def _template(row: ReplyTemplate, texts: list[ReplyTemplateText]) -> Template:
    return Template(
        id=row.id,
        title=row.title,
        texts={t.language: t.text for t in texts},
        reviewed_by={t.language: t.reviewed_by for t in texts if t.reviewed_by},
    )
