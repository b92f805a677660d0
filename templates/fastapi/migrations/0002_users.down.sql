DROP INDEX products_owner_idx;
ALTER TABLE products DROP CONSTRAINT products_owner_fk;
DROP TABLE users;
