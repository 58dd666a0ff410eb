-- buying roles of the Contact and the Other participants
ALTER TABLE record_contacts ADD COLUMN buying_role TEXT CHECK (buying_role IN (
    'decision_maker', 'economic_buyer', 'champion', 'influencer', 'technical_evaluator', 'legal_procurement',
    'user', 'other'
));
