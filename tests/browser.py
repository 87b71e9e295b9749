"""Debian's Chromium as the browser tests and the screenshot script launch it (never Playwright's own)."""

CHROMIUM = "/usr/bin/chromium"
# Headless as root, and without the background traffic this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
