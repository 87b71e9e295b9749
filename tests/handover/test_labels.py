"""What staff read about a handover names each channel's own circumstances, and only true delivery states."""

from __future__ import annotations

from datetime import UTC, datetime

from core.messages import ConversationKey
from handover.labels import event_text
from handover.models import Delivery, Direction, HandoverStatus
from handover.views import HandoverView, MessageView
from staff.pages import DELIVERY

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def handover_on(channel: str) -> HandoverView:
    return HandoverView(
        id=7, conversation=ConversationKey(channel, "x"), first_name="Olena", language="uk", topic=None,
        reason="requested", status=HandoverStatus.CLOSED, claimed_by=None, claimed_by_name=None, created_at=NOW,
        waiting_since=None, first_answered_at=None, last_activity_at=NOW, closed_at=NOW, closed_by="unreachable",
        staff_thread_id=None,
    )  # fmt: skip


def event(kind: str) -> MessageView:
    return MessageView(
        id=1, handover_id=7, direction=Direction.EVENT, kind=kind, text=None, has_media=False, media_name=None,
        media_mime=None, author_name=None, source_id=None, delivery=None, created_at=NOW,
    )  # fmt: skip


def test_only_a_telegram_chat_is_said_to_have_blocked_the_bot() -> None:
    assert "Bot blockiert" in event_text(event("closed_unreachable"), handover_on("telegram"))
    web = event_text(event("closed_unreachable"), handover_on("web"))
    assert "Bot" not in web and "Chat nicht mehr vorhanden" in web
    assert "Telegram" in event_text(event("moved_telegram"), handover_on("telegram"))


def test_staff_read_delivered_only_for_what_is_in_front_of_the_person() -> None:
    assert DELIVERY[Delivery.SENT] == "✓ zugestellt"
    assert DELIVERY[Delivery.KEPT] == "wartet auf die Person"
    assert all("zugestellt" not in label or state is Delivery.SENT for state, label in DELIVERY.items() if state is not Delivery.FAILED)
