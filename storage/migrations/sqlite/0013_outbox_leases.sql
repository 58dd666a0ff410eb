-- outbox leases, so replicas never read the same due rows
-- Replicas (PostgreSQL): a sender leases the due rows it read ahead, so no other sender reads them
-- until the lease runs out (its replica died) or the tenant's sending changed hands.
ALTER TABLE notifications ADD COLUMN lease_owner TEXT;
ALTER TABLE notifications ADD COLUMN lease_until TEXT;
