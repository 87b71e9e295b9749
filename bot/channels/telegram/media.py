"""Fetch a person's photo, document or voice message from Telegram when staff open it; keep nothing."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import FileSizeLimit
from telegram.error import TelegramError

from core.channels import Media, MediaUnavailable


async def fetch_media(bot: Bot, reference: str) -> Media:
    """Download the file behind a file_id into memory; the Bot API hands out files up to 20 MB."""
    try:
        file = await bot.get_file(reference)
        if file.file_size and file.file_size > FileSizeLimit.FILESIZE_DOWNLOAD:
            raise MediaUnavailable("the file is larger than Telegram lets bots download")
        content = await file.download_as_bytearray()
    except TelegramError as error:
        raise MediaUnavailable(f"Telegram did not hand out the file ({type(error).__name__})") from error
    return Media(bytes(content))
