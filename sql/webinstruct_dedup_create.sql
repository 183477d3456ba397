-- Every candidate with its dedup decision (`kept` or the duplicate reason), in dedup order
-- (webinstruct_dedup_items.ord).
CREATE OR REPLACE TABLE webinstruct_dedup AS
SELECT 'wi-' || substr(sha1(c.refined_id), 1, 16) AS id, c.refined_id, c.pair_id, c.dump,
       CASE WHEN d.kept THEN 'kept' ELSE d.reason END AS decision,
       CASE WHEN d.kept THEN '' ELSE 'duplicate of ' || d.duplicate_of END AS decision_detail,
       d.duplicate_of, d.similarity, c.question
FROM webinstruct_candidate_rows c
JOIN webinstruct_dedup_items i ON i.item_id = c.refined_id
JOIN webinstruct_dedup_decisions d ON d.item_id = c.refined_id
ORDER BY i.ord
