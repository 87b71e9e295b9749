"""Run the Telegram bot inside the web app: receive, store, dispatch and answer; stop cleanly."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder

from actions.dialogue import Dialogue
from bot.channels.telegram.conversation import TelegramConversations
from bot.channels.telegram.convert import conversation_key
from bot.channels.telegram.custody import DEFAULT_LEASE, Custody, instance_owner
from bot.channels.telegram.delivery import PendingReplies, ReplyDelivery
from bot.channels.telegram.dispatch import UpdateDispatcher
from bot.channels.telegram.limits import TelegramRateLimiter
from bot.channels.telegram.media import fetch_media
from bot.channels.telegram.outbound import send_later
from bot.channels.telegram.pace import LocalSendPace, SendPace
from bot.channels.telegram.profile import publish_profile
from bot.channels.telegram.receive import WebhookReceiver, checked_secret, register_webhook, stop_webhook_then_poll
from bot.channels.telegram.shared_pace import SharedSendPace
from bot.channels.telegram.staff_group import StaffGroup
from bot.keys import AFTER_LISTENING, ASSISTANT, DATABASE, INSTANCE
from core.channels import TELEGRAM, Arrival, Media, UnknownChannel
from core.content import Content
from core.errors import AssistantError
from core.flood import KeyedPace
from core.messages import ConversationKey, Reply
from core.settings import Settings
from handover.desk import HandoverDesk
from storage.chores import Chores
from storage.leases import Leases
from storage.telegram_groups import GroupNotices
from storage.telegram_outbox import TelegramOutbox
from storage.telegram_updates import UpdateInbox

log = logging.getLogger(__name__)

# Among the processes sharing a database, the one running this chore mirrors handovers into the staff group.
STAFF_GROUP_CHORE = "telegram-staff-group"
# Handled updates are kept (id and status only) this long, to recognise late duplicate deliveries.
KEEP_HANDLED = timedelta(days=30)


@dataclass(frozen=True)
class TelegramLimits:
    """How fast the bot sends, and how much one person may send before being asked to slow down."""

    chat_burst: int = 5
    chat_seconds_per_message: float = 1.0
    overall_per_second: float = 30
    group_per_minute: float = 20
    flood_messages: int = 10
    flood_window: float = 10.0


@dataclass
class _Running:
    application: Application[Any, Any, Any, Any, Any, Any]
    inbox: UpdateInbox
    dispatcher: UpdateDispatcher
    receiver: WebhookReceiver | None
    content: Content
    dialogue: Dialogue
    leases: Leases
    custody: Custody
    delivery: ReplyDelivery
    # Work that runs in one process of the deployment at a time (the staff group's mirror).
    chores: Chores
    staff_group: StaffGroup | None = None
    # Webhook requests get 503 until the work left from before this start has been taken back.
    ready: bool = False


class TelegramChannel:
    """The Telegram channel of the web app; webhook mode when TELEGRAM_WEBHOOK_URL is set, else polling."""

    name = TELEGRAM

    def __init__(
        self,
        settings: Settings,
        limits: TelegramLimits = TelegramLimits(),
        shutdown_grace: float = 5.0,
        poll_timeout: int = 25,
        lease: timedelta = DEFAULT_LEASE,
        pace: SendPace | None = None,
    ) -> None:
        if not settings.telegram_bot_token:
            raise AssistantError("TELEGRAM_BOT_TOKEN is not set")
        self._settings = settings
        self._token = settings.telegram_bot_token
        self._limits = limits
        self._grace = shutdown_grace
        self._poll_timeout = poll_timeout
        self._lease = lease
        # Given (tests), or built at start: shared through Redis when configured, else in this process.
        self._pace = pace
        self._owner = instance_owner(settings.http_port)
        self._webhook_url = settings.telegram_webhook_url
        # Without a configured secret, a fresh one is registered with setWebhook at every start.
        self._secret = checked_secret(settings.telegram_webhook_secret or secrets.token_urlsafe(32))
        self._running: _Running | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def webhook_path(self) -> str | None:
        return (urlsplit(self._webhook_url).path or "/") if self._webhook_url else None

    def install(self, app: web.Application) -> None:
        """Add the bot's lifecycle, the webhook route (webhook mode) and the start of receiving."""
        app.cleanup_ctx.append(self._lifecycle)
        if self.webhook_path is not None:
            app.router.add_post(self.webhook_path, self._receive)
        app[AFTER_LISTENING].append(self._start_receiving)

    async def _lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        # httpx logs every request's URL at INFO, and Bot API URLs contain the bot token.
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
        assistant, database, clock = app[ASSISTANT], app[DATABASE], app[ASSISTANT].clock
        application = self._build_application(self._send_pace(assistant.limits.pace))
        staff_group = self._staff_group(application.bot, assistant.handovers, assistant.content)
        if staff_group is not None:
            # Before the people's handlers: the staff chat's messages and buttons are staff's.
            application.add_handlers(staff_group.handlers())
        replies = PendingReplies()
        conversations = TelegramConversations(
            assistant.dialogue, GroupNotices(database, clock), self._settings.telegram_staff_chat_id, replies
        )
        conversations.install(application)
        await _initialize(application, self._settings.telegram_api_url)
        inbox = UpdateInbox(database, clock, owner=self._owner)
        # Wall-clock time: messages are counted by when they were sent (Telegram's `date`); with
        # Redis, every process counts a person's messages together.
        guard = assistant.limits.flood_guard(
            "telegram", self._limits.flood_messages, self._limits.flood_window, clock=time.time
        )
        delivery = ReplyDelivery(
            TelegramOutbox(database, clock),
            application.bot,
            self._owner,
            lambda chat_id: assistant.dialogue.unreachable(conversation_key(chat_id)),
        )
        dispatcher = UpdateDispatcher(
            inbox,
            application.process_update,
            application.bot,
            guard,
            replies=replies,
            replies_stored=delivery.kick_all,
        )
        receiver = WebhookReceiver(self._secret, inbox, dispatcher) if self._webhook_url else None
        leases = Leases(database, clock)
        custody = Custody(
            leases,
            inbox,
            self._owner,
            lambda stored: dispatcher.submit(stored.update_id, stored.payload),
            take_over_replies=lambda restarted: delivery.take_over(leases, restarted),
            ttl=self._lease,
        )
        await custody.begin()
        instance = app.get(INSTANCE)
        chores = instance.chores if instance is not None else Chores(None, self._owner)
        self._running = _Running(
            application,
            inbox,
            dispatcher,
            receiver,
            assistant.content,
            assistant.dialogue,
            leases,
            custody,
            delivery,
            chores,
            staff_group,
        )
        assistant.channels.register(self)
        try:
            await inbox.forget_handled(clock() - KEEP_HANDLED)
            await TelegramOutbox(database, clock).forget_sent(clock() - KEEP_HANDLED)
            yield
        finally:
            assistant.channels.unregister(self)
            self._running = None
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await dispatcher.close(self._grace)
            await delivery.close(self._grace)
            await custody.end()
            await application.shutdown()

    async def _start_receiving(self) -> None:
        running = self._running
        assert running is not None, "the Telegram channel starts receiving only after its start-up"
        bot = running.application.bot
        # Listening now: no other live process has our address, so what it owns is from before a crash.
        taken = await running.custody.take_over(restarted=True)
        if taken:
            log.warning("handling %d update(s) and reply(ies) left over from before the last stop", taken)
        running.ready = True
        self._spawn(running.custody.keep())
        if self._webhook_url:
            self._spawn(register_webhook(bot, self._webhook_url, self._secret))
        else:
            self._spawn(
                stop_webhook_then_poll(
                    bot,
                    running.inbox,
                    running.dispatcher,
                    self._poll_timeout,
                    running.leases,
                    self._owner,
                    self._lease,
                    running.custody.take_over_from,
                )
            )
        self._spawn(publish_profile(bot, running.content, running.dialogue))
        if running.staff_group is not None:
            # Every process hears every handover change (over Redis): one of them mirrors them.
            self._spawn(running.chores.run(STAFF_GROUP_CHORE, running.staff_group.run))

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        """Reach a person outside an update they sent (a staff reply, a handback): Telegram took it for their phone."""
        running = self._require_running()
        delivered = await send_later(running.application.bot, running.content, conversation, reply)
        return Arrival.SHOWN if delivered else Arrival.UNREACHABLE

    def invitation(self, token: str) -> str | None:
        """Return the deep link that opens the bot with `token` (https://t.me/<bot>?start=<token>)."""
        if self._running is None:
            return None
        try:
            username = self._running.application.bot.username
        except RuntimeError:  # not initialised yet: getMe has not answered
            return None
        return f"https://t.me/{username}?start={token}" if username else None

    async def media(self, reference: str) -> Media:
        """Fetch a person's attachment from Telegram by its file_id."""
        return await fetch_media(self._require_running().application.bot, reference)

    def _require_running(self) -> _Running:
        if self._running is None:
            raise UnknownChannel("the Telegram channel is not running")
        return self._running

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        running = self._running
        if running is None or running.receiver is None or not running.ready:
            return web.Response(status=503, text="starting or stopping")
        return await running.receiver.receive(request)

    def _staff_group(self, bot: Bot, desk: HandoverDesk, content: Content) -> StaffGroup | None:
        """Mirror handovers into TELEGRAM_STAFF_CHAT_ID, when it is set."""
        chat = (self._settings.telegram_staff_chat_id or "").strip()
        if not chat:
            return None
        try:
            return StaffGroup(bot, int(chat), desk, content)
        except ValueError as error:
            raise AssistantError("TELEGRAM_STAFF_CHAT_ID must be a chat id such as -1001234567890") from error

    def _send_pace(self, shared: KeyedPace | None) -> SendPace:
        """Keep to Telegram's limits for every process of the bot when they share a pace (Redis), else in this one."""
        if self._pace is not None:
            return self._pace
        limits = self._limits
        if shared is not None:
            return SharedSendPace(
                shared,
                chat_burst=limits.chat_burst,
                chat_seconds_per_message=limits.chat_seconds_per_message,
                overall_per_second=limits.overall_per_second,
                group_per_minute=limits.group_per_minute,
            )
        return LocalSendPace(
            chat_burst=limits.chat_burst,
            chat_seconds_per_message=limits.chat_seconds_per_message,
            overall_per_second=limits.overall_per_second,
            group_per_minute=limits.group_per_minute,
        )

    def _build_application(self, pace: SendPace) -> Application[Any, Any, Any, Any, Any, Any]:
        api = self._settings.telegram_api_url
        rate_limiter = TelegramRateLimiter(pace)
        return (
            ApplicationBuilder()
            .token(self._token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .rate_limiter(rate_limiter)
            .updater(None)
            .job_queue(None)
            .connect_timeout(5)
            .read_timeout(15)
            .write_timeout(15)
            .pool_timeout(5)
            .build()
        )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("Telegram background work stopped: %s", type(error).__name__)


async def _initialize(application: Application[Any, Any, Any, Any, Any, Any], api_url: str) -> None:
    """Ask Telegram who the bot is (getMe); turn a wrong token or an unreachable API into a clear error."""
    try:
        await application.initialize()
    except InvalidToken as error:
        raise AssistantError("Telegram refuses TELEGRAM_BOT_TOKEN") from error
    except TelegramError as error:
        raise AssistantError(f"the Telegram Bot API at {api_url} is not reachable ({type(error).__name__})") from error
