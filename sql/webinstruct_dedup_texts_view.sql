-- The texts the exact check compares, without copying them.
CREATE OR REPLACE VIEW webinstruct_dedup_texts AS
SELECT refined_id AS item_id, question, answer FROM refined_qa
