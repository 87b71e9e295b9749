"""The desk's parts for an office week, on SQLite and PostgreSQL: notes, handing on, unread, language, templates."""

from __future__ import annotations

import asyncio

from datetime import UTC, datetime

import pytest

from core.messages import Message
from core.settings import PROJECT_ROOT
from core.templates import load_template_seeds
from handover.errors import ClaimedByOther, EmptyReply, UnknownColleague
from handover.models import Delivery, Direction
from handover.templates import TemplateStore
from handover.views import StaffMember
from storage.db import Database
from tests.handover.conftest import Desk
from tests.handover.test_desk import OLENA, OLGA, started

JONAS = StaffMember("account:2", "Jonas", frozenset({"de", "en"}))
ANA = StaffMember("account:3", "Ana", frozenset({"ar"}))
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def test_a_note_is_kept_never_sent_and_erased_with_the_conversation(desk: Desk) -> None:
    handover_id = await started(desk)
    with pytest.raises(EmptyReply):
        await desk.desk.note(handover_id, OLGA, "  ")
    note = await desk.desk.note(handover_id, OLGA, "Termin beim Jobcenter am Montag")
    assert note.direction is Direction.NOTE and note.delivery is None and note.author_name == "Olga"
    await desk.desk.settled()
    assert desk.outbound.sent == []
    await desk.desk.erase_conversation(OLENA)
    assert await desk.desk.messages(handover_id) == []


async def test_handing_on_gives_the_conversation_to_the_colleague_with_the_note(desk: Desk) -> None:
    handover_id = await started(desk)
    await desk.desk.claim(handover_id, OLGA)
    with desk.desk.events.watch() as changes:
        handed = await desk.desk.hand_to(handover_id, OLGA, JONAS, "bitte du")
        # The claim's "a colleague has joined" may report its delivery in between.
        change = changes.get_nowait()
        while change.what == "delivery":
            change = changes.get_nowait()
    assert (change.what, change.to) == ("handed", JONAS.key)
    assert (handed.claimed_by, handed.claimed_by_name) == (JONAS.key, "Jonas")
    kinds = [(m.direction, m.kind, m.text) for m in await desk.desk.messages(handover_id)][-2:]
    assert kinds == [(Direction.EVENT, "handed", "Jonas"), (Direction.NOTE, "note", "bitte du")]
    # Ana cannot hand on what Jonas has without taking it over knowingly; nobody unknown can receive it.
    with pytest.raises(ClaimedByOther):
        await desk.desk.hand_to(handover_id, ANA, OLGA)
    with pytest.raises(UnknownColleague):
        await desk.desk.hand_to(handover_id, JONAS, None)


async def test_unread_follows_what_each_colleague_has_seen(desk: Desk) -> None:
    handover_id = await started(desk)
    assert await desk.desk.unread([handover_id], OLGA) == {handover_id}
    newest = (await desk.desk.messages(handover_id))[-1].id
    await desk.desk.mark_read(handover_id, OLGA, newest)
    await desk.desk.mark_read(handover_id, OLGA, newest - 1)  # an older page does not undo it
    assert await desk.desk.unread([handover_id], OLGA) == set()
    assert await desk.desk.unread([handover_id], JONAS) == {handover_id}
    # Staff's own reply is nothing new; the person's next message is.
    await desk.desk.reply(handover_id, OLGA, "Добрий день", "k1")
    assert await desk.desk.unread([handover_id], OLGA) == set()
    await desk.desk.forward(Message(OLENA, text="Дякую"))
    assert await desk.desk.unread([handover_id], OLGA) == {handover_id}
    await desk.desk.erase_conversation(OLENA)
    assert await desk.desk.unread([handover_id], OLGA) == set()


async def test_the_handover_language_changes_only_when_it_differs(desk: Desk) -> None:
    handover_id = await started(desk)
    with desk.desk.events.watch() as changes:
        await desk.desk.follow_language(OLENA, "uk")
        assert changes.empty()
        await desk.desk.follow_language(OLENA, "ru")
        assert changes.get_nowait().what == "language"
    handover = await desk.desk.get(handover_id)
    assert handover is not None and handover.language == "ru"
    await desk.desk.reply(handover_id, OLGA, "Здравствуйте", "k2")
    await desk.desk.settled()
    [(_, reply)] = desk.outbound.sent
    assert reply.language == "ru"
    assert [m.delivery for m in await desk.desk.messages(handover_id) if m.direction is Direction.OUT] == [Delivery.SENT]


async def test_instances_starting_together_seed_each_template_once(database: Database) -> None:
    seeds = load_template_seeds(PROJECT_ROOT / "data")
    added = await asyncio.gather(*(TemplateStore(database).seed(seeds, NOW) for _ in range(4)))
    assert sum(added) == len(seeds)
    assert len(await TemplateStore(database).all()) == len(seeds)


async def test_templates_are_seeded_once_edited_with_review_marks_and_retired(database: Database) -> None:
    store = TemplateStore(database)
    seeds = load_template_seeds(PROJECT_ROOT / "data")
    assert await store.seed(seeds, NOW) == len(seeds)
    assert await store.seed(seeds, NOW) == 0
    first = (await store.all())[0]
    texts = dict(first.texts, uk="Нові години")
    await store.save(first.id, "Sprechzeiten", texts, {"uk": True}, "Olha", NOW)
    saved = await store.get(first.id)
    assert saved is not None and saved.texts["uk"] == "Нові години" and saved.reviewed_by == {"uk": "Olha"}
    await store.save(first.id, "Sprechzeiten", dict(texts, uk="Інші години"), {"uk": False}, "Olga", NOW)
    assert (await store.get(first.id)).reviewed_by == {}  # type: ignore[union-attr]
    new = await store.save(None, "Neu", {"de": "Hallo", "en": ""}, {}, "Olga", NOW)
    assert (await store.get(new)).texts == {"de": "Hallo"}  # type: ignore[union-attr]
    await store.retire(first.id, "Olga", NOW)
    assert await store.get(first.id) is None
    assert await store.seed(seeds, NOW) == 0
    assert [t.title for t in await store.all()][-1] == "Neu"
