ALTER TABLE users ADD CONSTRAINT score_positive CHECK (score > 0);
