-- next steps read in the order they come due, from the index alone: a day's timed tasks by their moment, its
-- date-only ones after them (`due_at IS NULL` false before true), then by id. The `tasks` card and the record
-- card's next step read the first few of a person's or a record's open tasks without sorting them all.
CREATE INDEX tasks_mine_in_order ON tasks(tenant_id, assignee_id, due_on, (due_at IS NULL), due_at, id)
    WHERE done_at IS NULL;
CREATE INDEX tasks_record_in_order ON tasks(tenant_id, record_id, due_on, (due_at IS NULL), due_at, id)
    WHERE done_at IS NULL;
DROP INDEX tasks_open_of_record;
DROP INDEX tasks_open_of_assignee;
