-- Hugging Face artifacts: the same tables as sqlite/0015_artifacts.sql, in native types.
CREATE TABLE hf_artifacts (
    arxiv_id    TEXT        PRIMARY KEY,
    models      TEXT        NOT NULL,
    datasets    TEXT        NOT NULL,
    spaces      TEXT        NOT NULL,
    more        BOOLEAN     NOT NULL DEFAULT FALSE,
    fetched_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE followup_seen ADD COLUMN hf_models INTEGER;
ALTER TABLE followup_seen ADD COLUMN hf_datasets INTEGER;
ALTER TABLE followup_seen ADD COLUMN hf_spaces INTEGER;
