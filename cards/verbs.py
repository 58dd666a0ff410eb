"""Card verbs: stable strings shared by the card builders and bot/actions.py."""

RECORD_CREATE = "record.create"
RECORD_SHOW = "record.show"
RECORD_FOLLOW = "record.follow"
RECORD_UNFOLLOW = "record.unfollow"
CONTACT_CREATE = "contact.create"
RECORD_NOTIFY = "record.notify"
NOTIFICATION_RETRY = "notification.retry"
