ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_family_fk;
DROP TABLE refresh_token_families;
