"""The web chat: a small accessible chat box served by the app, for its own page and the city's website."""

from bot.channels.web.channel import WebChatChannel
from bot.channels.web.runtime import WebChatLimits

__all__ = ["WebChatChannel", "WebChatLimits"]
