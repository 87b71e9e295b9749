"""Small domain exceptions raised by the lower layers and turned into answers at the edge."""


class AssistantError(Exception):
    """Base class of the assistant's own errors."""


class ContentError(AssistantError):
    """The content under data/ is missing something or contradicts itself."""


class NluUnavailable(AssistantError):
    """The NLU server could not be reached or did not answer in time."""


class ModelNotTrained(AssistantError):
    """No trained NLU model matches the current content and configuration."""


class SettingsError(AssistantError):
    """A setting has a value the assistant cannot use; the message names the variable."""
