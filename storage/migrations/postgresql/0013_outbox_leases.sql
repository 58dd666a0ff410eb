-- outbox leases, so replicas never read the same due rows
ALTER TABLE notifications ADD COLUMN lease_owner TEXT;
ALTER TABLE notifications ADD COLUMN lease_until TEXT;
