"""Keep people's text from reordering what is shown around or inside it (bidi controls, "Trojan Source").

U+202E (RIGHT-TO-LEFT OVERRIDE) and its kin make a message display differently from what it says,
e.g. "exe.gpj" shown as "jpg.exe", or a line pretending to be someone else's. Where people's words
are shown they lose the explicit embedding, override and isolate controls; the direction marks
(LRM, RLM, ALM), which Arabic and Persian writers use and which reorder nothing on their own, stay.
Each shown text is then isolated from its surroundings: `dir="auto"` or <bdi> in HTML, FSI…PDI in
plain text.
"""

from __future__ import annotations

import re

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
FSI, PDI = "\u2068", "\u2069"


def without_bidi_controls(text: str) -> str:
    """Return `text` without embedding, override and isolate controls (direction marks stay)."""
    return _CONTROLS.sub("", text)


def isolated(text: str) -> str:
    """Return `text` without bidi controls, isolated (FSI…PDI) so it cannot reorder plain text around it."""
    return f"{FSI}{without_bidi_controls(text)}{PDI}"
