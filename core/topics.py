"""The topic ids fixed by PRODUCT.md; reports, tests and the evaluation rely on them."""

PRODUCT_TOPICS: frozenset[str] = frozenset(
    {
        "office_hours",
        "ukraine_support",
        "appointment",
        "location",
        "costs_confidentiality",
        "courses",
        "labour_market",
        "integration_report",
        "leisure_family",
        "discrimination_support",
        "integration_forum",
        "human_handover",
        "greeting",
        "thanks",
        "goodbye",
        "help",
        "language_switch",
        "privacy",
        "bot_challenge",
        "referral",
        "out_of_scope",
    }
)

OUT_OF_SCOPE = "out_of_scope"

# Topics offered as buttons when a person greets us or asks for the menu.
MENU_TOPICS: tuple[str, ...] = (
    "office_hours",
    "ukraine_support",
    "location",
    "courses",
    "labour_market",
    "referral",
    "human_handover",
)

# The order in which a native speaker should review a language: what most people read first.
REVIEW_FIRST: tuple[str, ...] = (
    "office_hours",
    "ukraine_support",
    "referral",
    "human_handover",
    "appointment",
    "location",
    "costs_confidentiality",
    "courses",
    "greeting",
    "help",
    "out_of_scope",
)
