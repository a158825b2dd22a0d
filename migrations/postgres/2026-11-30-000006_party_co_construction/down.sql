DROP TABLE party_activities;
DROP TABLE party_pairings;
DROP TABLE party_organizations;
