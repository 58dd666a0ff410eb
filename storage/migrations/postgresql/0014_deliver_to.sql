-- where a follower's notifications arrive: chat, activity feed or both
ALTER TABLE followers ADD COLUMN deliver_to TEXT NOT NULL DEFAULT 'chat' CHECK (deliver_to IN ('chat', 'feed', 'both'));
