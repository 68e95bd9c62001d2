-- Hugging Face artifacts (bot/artifacts.py): the models, datasets and Spaces linked to a
-- posted paper, as the last look-up found them. A digest renders what is cached here and
-- never waits for Hugging Face. Repo ids are JSON arrays of "org/name" strings.
CREATE TABLE hf_artifacts (
    arxiv_id    TEXT    PRIMARY KEY,
    models      TEXT    NOT NULL,            -- JSON array of repo ids
    datasets    TEXT    NOT NULL,
    spaces      TEXT    NOT NULL,
    more        INTEGER NOT NULL DEFAULT 0,  -- a list was cut at its page size
    fetched_at  TEXT    NOT NULL
);

-- What a follow-up pass last saw of a paper's artifacts (NULL: not known at that pass), so
-- that a first model, dataset or Space linked later is an event.
ALTER TABLE followup_seen ADD COLUMN hf_models INTEGER;
ALTER TABLE followup_seen ADD COLUMN hf_datasets INTEGER;
ALTER TABLE followup_seen ADD COLUMN hf_spaces INTEGER;
