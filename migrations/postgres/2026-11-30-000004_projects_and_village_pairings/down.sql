DROP TABLE village_pairings;
DROP TABLE projects;
