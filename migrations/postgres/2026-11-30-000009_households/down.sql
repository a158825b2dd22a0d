DROP TABLE assistance_records;
DROP TABLE wishes;
DROP TABLE households;
