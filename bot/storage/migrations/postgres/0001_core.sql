-- Core schema on PostgreSQL: the same tables and columns as sqlite/0001_core.sql, in native
-- types (DATE, TIMESTAMPTZ, TIME, TEXT[]) and with a generated tsvector for full-text search.

-- pg_trgm gives the typo-tolerant fallback of the search (similarity on titles). It lives
-- in `public` so that dropping an application schema never drops it for everyone else; a
-- role that may not create it still gets a working store, with exact search only.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported
               OR invalid_schema_name THEN
    RAISE NOTICE 'pg_trgm is unavailable: paperbot search will not correct typos';
END
$$;

-- array_to_string is only STABLE (it formats any element type), so a generated column may
-- not call it; for TEXT[] it is in fact immutable, which this wrapper declares.
CREATE FUNCTION paperbot_words(items TEXT[]) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string(items, ' '), '') $$;

CREATE TABLE papers (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    arxiv_id      TEXT        NOT NULL UNIQUE,
    title         TEXT        NOT NULL,
    abstract      TEXT        NOT NULL,
    authors       TEXT[]      NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    listed_on     DATE,                               -- NULL if never listed
    upvotes       INTEGER     NOT NULL DEFAULT 0,
    comments      INTEGER     NOT NULL DEFAULT 0,
    github_repo   TEXT,
    github_stars  INTEGER,
    project_page  TEXT,
    thumbnail     TEXT,
    ai_summary    TEXT,
    ai_keywords   TEXT[]      NOT NULL DEFAULT '{}',
    organization  TEXT,
    source        TEXT        NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    -- Title weighs most (A), then the HF keywords (B), then abstract and authors (C).
    search_vector TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, paperbot_words(ai_keywords)), 'B')
        || setweight(to_tsvector('english'::regconfig, abstract), 'C')
        || setweight(to_tsvector('simple'::regconfig, paperbot_words(authors)), 'C')
    ) STORED
);

CREATE INDEX papers_listed_on ON papers (listed_on);
CREATE INDEX papers_search ON papers USING gin (search_vector);

-- The trigram index only exists where the extension does (see above), in whichever schema
-- it was installed. pg_trgm folds case itself, so the plain title is indexed.
DO $$
DECLARE
    trgm_schema NAME;
BEGIN
    SELECT n.nspname INTO trgm_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX papers_title_trgm ON papers USING gin (title %I.gin_trgm_ops)',
                       trgm_schema);
    END IF;
END
$$;

CREATE TABLE subscriptions (
    channel_key     TEXT        PRIMARY KEY,          -- ChannelRef.key
    platform        TEXT        NOT NULL,
    workspace       TEXT        NOT NULL,
    channel_id      TEXT        NOT NULL,
    post_time       TIME        NOT NULL,             -- local to `timezone`
    timezone        TEXT        NOT NULL,
    min_upvotes     INTEGER     NOT NULL,
    max_papers      INTEGER     NOT NULL,
    weekday_policy  TEXT        NOT NULL,
    paused_reason   TEXT,
    created_by      TEXT,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE subscription_topics (
    channel_key  TEXT    NOT NULL REFERENCES subscriptions (channel_key) ON DELETE CASCADE,
    position     INTEGER NOT NULL,                    -- keeps the order the user gave
    kind         TEXT    NOT NULL,                    -- bot.models.TopicKind value
    value        TEXT    NOT NULL,
    PRIMARY KEY (channel_key, position)
);

-- One row per (channel, covered day): what was posted, as which messages.
CREATE TABLE posts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_key  TEXT        NOT NULL,
    day          DATE        NOT NULL,
    message_ids  TEXT[]      NOT NULL,                -- in order
    posted_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (channel_key, day)
);

CREATE TABLE posted_papers (
    channel_key  TEXT   NOT NULL,
    arxiv_id     TEXT   NOT NULL,
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_key, arxiv_id)
);

CREATE TABLE fetches (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day         DATE        NOT NULL,
    count       INTEGER     NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX fetches_fetched_at ON fetches (fetched_at);
