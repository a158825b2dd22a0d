-- Nothing to restore: the deleted rows were a 24-hour replay cache.
SELECT 1;
