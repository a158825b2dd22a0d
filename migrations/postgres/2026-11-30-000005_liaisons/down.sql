DROP TABLE liaisons;
