"""Tell Telegram the bot's commands and description in every language the assistant speaks."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.constants import BotDescriptionLimit
from telegram.error import TelegramError

from actions.dialogue import Dialogue
from bot.channels.telegram.conversation import COMMAND_TOPICS
from core.content import Content

log = logging.getLogger(__name__)


def commands(content: Content, language: str) -> list[BotCommand]:
    """List the bot's commands with descriptions in `language`."""
    return [
        BotCommand("start", content.ui_text("command_start", language)),
        *(BotCommand(name, content.label(topic, language)) for name, topic in COMMAND_TOPICS.items()),
        BotCommand("delete", content.ui_text("command_delete", language)),
    ]


async def description(dialogue: Dialogue, language: str) -> str:
    """Describe the bot in `language`, as its greeting does, within Telegram's limit."""
    greeting = await dialogue.welcome(None, language)
    return greeting.text[: BotDescriptionLimit.MAX_DESCRIPTION_LENGTH]


async def publish_profile(bot: Bot, content: Content, dialogue: Dialogue) -> None:
    """Set commands and description per language; the default language also serves everyone else."""
    languages: list[str | None] = [None, *content.languages]
    try:
        for code in languages:
            language = code or content.default_language
            await bot.set_my_commands(commands(content, language), language_code=code)
            await bot.set_my_description(await description(dialogue, language), language_code=code)
    except TelegramError as error:
        log.warning("could not set the bot's commands and description (%s)", type(error).__name__)
