-- buying roles of the Contact and the Other participants
-- The buying role of each customer person on a record (the Contact and every Other participant); a
-- column of the role row, so a move between Contact and participant (an update of `role`) keeps it.
ALTER TABLE record_contacts ADD COLUMN buying_role TEXT CHECK (buying_role IN (
    'decision_maker', 'economic_buyer', 'champion', 'influencer', 'technical_evaluator', 'legal_procurement',
    'user', 'other'
));
