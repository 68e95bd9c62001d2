-- Per-part progress of a delivery: the same column as sqlite/0005_delivery_parts.sql.
ALTER TABLE deliveries ADD COLUMN thread_replies INTEGER[] NOT NULL DEFAULT '{}';
