-- where a follower's notifications arrive: chat, activity feed or both
-- Where a follower's notifications arrive: a chat message (the default), the Teams activity feed (Graph
-- sendActivityNotification), or both.
ALTER TABLE followers ADD COLUMN deliver_to TEXT NOT NULL DEFAULT 'chat' CHECK (deliver_to IN ('chat', 'feed', 'both'));
