-- GET /api/v1/regions/{code}: one lookup by primary key.
SELECT * FROM regions WHERE code = :code;
