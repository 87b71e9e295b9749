"""Handing a conversation to the office's staff and back: storage, routing, delivery, retention."""
