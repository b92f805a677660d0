-- A family is the chain of refresh tokens issued from one login. Rotating a token locks its
-- family's row, and revoking a family marks the row first, so a revocation (logout, a replayed
-- token, a password reset) also stops a rotation that was running at the same time.
CREATE TABLE refresh_token_families (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX refresh_token_families_user_idx ON refresh_token_families (user_id);

-- The families of tokens issued before this migration.
INSERT INTO refresh_token_families (id, user_id)
SELECT DISTINCT ON (family_id) family_id, user_id FROM refresh_tokens ORDER BY family_id;

-- NOT VALID skips checking the rows already there (each got its family just above) instead of
-- locking refresh_tokens against writes while it does; new rows are checked.
ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_family_fk
    FOREIGN KEY (family_id) REFERENCES refresh_token_families (id) ON DELETE CASCADE NOT VALID;
