"""The Telegram channel: python-telegram-bot 22 inside the app's web server, by polling or webhook."""

from bot.channels.telegram.channel import TelegramChannel, TelegramLimits

__all__ = ["TelegramChannel", "TelegramLimits"]
