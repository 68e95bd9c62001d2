-- Core schema: papers (+ full-text index), subscriptions, posts, fetch log.
-- Types are kept portable so the PostgreSQL schema can mirror it column for column:
-- dates are ISO 8601 text here (DATE / TIMESTAMPTZ there), lists are JSON text (JSONB there).

-- `id` is an INTEGER PRIMARY KEY (a stable rowid) because the FTS index refers to rows by
-- rowid, and an implicit rowid may change on VACUUM.
CREATE TABLE papers (
    id            INTEGER PRIMARY KEY,
    arxiv_id      TEXT    NOT NULL UNIQUE,
    title         TEXT    NOT NULL,
    abstract      TEXT    NOT NULL,
    authors       TEXT    NOT NULL,                 -- JSON array of names
    published_at  TEXT    NOT NULL,                 -- UTC, ISO 8601
    listed_on     TEXT,                             -- YYYY-MM-DD; NULL if never listed
    upvotes       INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    github_repo   TEXT,
    github_stars  INTEGER,
    project_page  TEXT,
    thumbnail     TEXT,
    ai_summary    TEXT,
    ai_keywords   TEXT    NOT NULL DEFAULT '[]',    -- JSON array
    organization  TEXT,
    source        TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE INDEX papers_listed_on ON papers (listed_on);

-- External-content FTS5 index over the papers table. No stemming: the vocabulary then holds
-- the words as typed, which the typo correction looks up (see bot/storage/sqlite_search.py).
CREATE VIRTUAL TABLE papers_fts USING fts5 (
    title, abstract, authors, ai_keywords,
    content = 'papers',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE papers_vocab USING fts5vocab (papers_fts, 'row');

CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts (rowid, title, abstract, authors, ai_keywords)
    VALUES (new.id, new.title, new.abstract, new.authors, new.ai_keywords);
END;

CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors, ai_keywords)
    VALUES ('delete', old.id, old.title, old.abstract, old.authors, old.ai_keywords);
END;

-- Counts change several times a day; the text rarely does. Re-index only when it does.
CREATE TRIGGER papers_fts_update AFTER UPDATE ON papers
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract
  OR old.authors IS NOT new.authors OR old.ai_keywords IS NOT new.ai_keywords
BEGIN
    INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors, ai_keywords)
    VALUES ('delete', old.id, old.title, old.abstract, old.authors, old.ai_keywords);
    INSERT INTO papers_fts (rowid, title, abstract, authors, ai_keywords)
    VALUES (new.id, new.title, new.abstract, new.authors, new.ai_keywords);
END;

CREATE TABLE subscriptions (
    channel_key     TEXT    PRIMARY KEY,            -- ChannelRef.key
    platform        TEXT    NOT NULL,
    workspace       TEXT    NOT NULL,
    channel_id      TEXT    NOT NULL,
    post_time       TEXT    NOT NULL,               -- HH:MM:SS, local to `timezone`
    timezone        TEXT    NOT NULL,
    min_upvotes     INTEGER NOT NULL,
    max_papers      INTEGER NOT NULL,
    weekday_policy  TEXT    NOT NULL,
    paused_reason   TEXT,
    created_by      TEXT,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE subscription_topics (
    channel_key  TEXT    NOT NULL REFERENCES subscriptions (channel_key) ON DELETE CASCADE,
    position     INTEGER NOT NULL,                  -- keeps the order the user gave
    kind         TEXT    NOT NULL,                  -- bot.models.TopicKind value
    value        TEXT    NOT NULL,
    PRIMARY KEY (channel_key, position)
);

-- One row per (channel, covered day): what was posted, as which messages.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    channel_key  TEXT    NOT NULL,
    day          TEXT    NOT NULL,                  -- the covered day, YYYY-MM-DD
    message_ids  TEXT    NOT NULL,                  -- JSON array, in order
    posted_at    TEXT    NOT NULL,
    UNIQUE (channel_key, day)
);

CREATE TABLE posted_papers (
    channel_key  TEXT    NOT NULL,
    arxiv_id     TEXT    NOT NULL,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_key, arxiv_id)
);

CREATE TABLE fetches (
    id          INTEGER PRIMARY KEY,
    day         TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    fetched_at  TEXT    NOT NULL
);

CREATE INDEX fetches_fetched_at ON fetches (fetched_at);
