DROP INDEX users_email_idx;
