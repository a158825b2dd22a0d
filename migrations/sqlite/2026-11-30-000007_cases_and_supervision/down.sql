DROP TABLE supervision_records;
DROP TABLE cases;
