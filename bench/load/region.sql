-- GET /api/v1/regions/{code}: one lookup by primary key (variables are bound as
-- parameters: pgbench runs with -M prepared).
SELECT * FROM regions WHERE code = :code;
