-- kinds, roles, choices and statuses checked in the domain, not by CHECK lists
-- A new kind of value must need no table rebuild: storage writes only values bot/domain's enums accept.
ALTER TABLE records DROP CONSTRAINT IF EXISTS records_kind_check;
ALTER TABLE record_contacts DROP CONSTRAINT IF EXISTS record_contacts_role_check;
ALTER TABLE record_contacts DROP CONSTRAINT IF EXISTS record_contacts_buying_role_check;
ALTER TABLE followers DROP CONSTRAINT IF EXISTS followers_notify_check;
ALTER TABLE followers DROP CONSTRAINT IF EXISTS followers_deliver_to_check;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_status_check;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_purpose_check;
ALTER TABLE email_sends DROP CONSTRAINT IF EXISTS email_sends_status_check;
ALTER TABLE weekly_sends DROP CONSTRAINT IF EXISTS weekly_sends_status_check;
ALTER TABLE contact_imports DROP CONSTRAINT IF EXISTS contact_imports_status_check;
