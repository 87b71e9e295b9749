"""Every table of the assistant in one metadata: the composition root is the one place that knows them all.

The app never needs this to run (the migrations create the tables); Alembic's autogenerate and the
tests that compare the models with the migrations do.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import accounts.models  # noqa: F401  (the modules that define tables, imported for their tables)
import actions.conversation_store  # noqa: F401
import handover.models  # noqa: F401
import handover.templates  # noqa: F401
import monitoring.tables  # noqa: F401
import storage.conversation_moves  # noqa: F401
import storage.leases  # noqa: F401
import storage.office_calendar  # noqa: F401
import storage.telegram_groups  # noqa: F401
import storage.telegram_outbox  # noqa: F401
import storage.telegram_updates  # noqa: F401
import storage.web_chat  # noqa: F401
from storage.db import Base


def metadata() -> MetaData:
    """Return the metadata every table of the assistant is registered on."""
    return Base.metadata
