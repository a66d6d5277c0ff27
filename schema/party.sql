-- party.sql - the party server's SQLite database (DIR/party.db).
--
-- Versioned migrations: each block starts with a line "-- migration N: what"
-- and runs once, in a transaction, when the database's user_version is
-- below N (backend/party/storage.c). Never edit a released migration: add
-- a new one. A database from a newer version of the server is refused.
--
-- Nothing here is secret on its own: input shares stay HPKE-encrypted to
-- this party's key (decrypted only in memory during the compute).

-- migration 1: reports and approvals
CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    study_hash   BLOB NOT NULL,    -- 32 bytes: the sealed study it belongs to
    report_id    BLOB NOT NULL,    -- 16 bytes, chosen by the client (the VDAF nonce)
    token_id     BLOB,             -- 16 bytes, NULL for "open" studies
    client_seq   INTEGER NOT NULL, -- orders submissions with the same token
    public_share BLOB NOT NULL,
    enc          BLOB NOT NULL,    -- HPKE encapsulated key
    ciphertext   BLOB NOT NULL,    -- HPKE-sealed input share
    received_at  INTEGER NOT NULL, -- unix seconds
    UNIQUE (study_hash, report_id)
);
CREATE INDEX reports_token ON reports (study_hash, token_id, client_seq);
CREATE INDEX reports_time ON reports (study_hash, received_at);

CREATE TABLE approvals (
    study_hash  BLOB PRIMARY KEY,
    approved_at INTEGER NOT NULL,  -- unix seconds
    approved_by TEXT NOT NULL      -- "command line" or "dashboard"
);

-- migration 2: the compute
-- The verification key of a study (32 bytes), HPKE-sealed to this party's
-- own key: the leader makes it once and reuses it if a compute is run
-- again, so that every run verifies every report with the same key.
CREATE TABLE compute_keys (
    study_hash BLOB PRIMARY KEY,
    enc        BLOB NOT NULL,
    ciphertext BLOB NOT NULL
);

-- The release of a study's aggregate: once per study (docs/DESIGN.md, section 2).
CREATE TABLE releases (
    study_hash  BLOB PRIMARY KEY,
    released_at INTEGER NOT NULL, -- unix seconds
    accepted    INTEGER NOT NULL, -- reports aggregated
    rejected    INTEGER NOT NULL, -- reports whose proof failed
    incomplete  INTEGER NOT NULL, -- reports held by only some parties
    result      TEXT              -- the report rows (JSON; the leader only)
);

-- migration 3: a release that can be completed
-- The SHA-256 of the aggregate share this party released (a helper). If the
-- leader stopped before it had every share, a later run may send the very
-- same share again (nothing new to anyone), never another one.
ALTER TABLE releases ADD COLUMN share_digest BLOB;

-- migration 4: the quantiles' searches
-- How many runs of a study's search for medians and quartiles this party
-- has taken part in (docs/COMPUTE.md, "Quantiles"): each opens some of the
-- groups' cumulative counts, and a party that aborts and restarts runs
-- could have other ones opened each time; the party stops at its limit
-- (mpc-party serve --max-searches).
CREATE TABLE searches (
    study_hash BLOB PRIMARY KEY,
    runs       INTEGER NOT NULL
);
