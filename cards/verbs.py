"""Card verbs: stable strings shared by the card builders and bot/actions.py."""

RECORD_CREATE = "record.create"
RECORD_SHOW = "record.show"
CONTACT_CREATE = "contact.create"

ALL = frozenset({RECORD_CREATE, RECORD_SHOW, CONTACT_CREATE})
