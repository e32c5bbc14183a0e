DROP TABLE legacy_users;
