-- each person's latest locale
-- The locale Teams reported on the person's latest activity (clientInfo), so that notifications, reminders
-- and digests reach them in their language.
ALTER TABLE users ADD COLUMN locale TEXT;
