-- Per-part progress of a delivery: message_ids now fills as each part is accepted, and
-- thread_replies[i] counts the thread replies posted under part i, so a retry (even past
-- Discord's nonce window, or after Slack cut a thread short) posts only what is missing.
ALTER TABLE deliveries ADD COLUMN thread_replies TEXT NOT NULL DEFAULT '[]';  -- JSON array
