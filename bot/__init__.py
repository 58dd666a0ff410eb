"""The bot: configuration, domain, use cases, and the Teams-facing layer."""
