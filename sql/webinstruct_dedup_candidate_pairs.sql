-- LSH banding as a join: two rows sharing a bucket (one MinHash band, or the normalized question,
-- band -1) are a candidate pair, earlier row first. Only buckets holding several rows take part,
-- and a row is paired with at most $max_bucket_peers earlier rows of each bucket (the first ones,
-- which the greedy pass keeps), so a bucket of k near-identical rows costs k x peers pairs, not
-- k^2. Refinements of one pair (same group) are candidates only through the question bucket.
CREATE OR REPLACE TABLE webinstruct_dedup_pairs AS
WITH crowded AS (
    SELECT band, bucket FROM webinstruct_minhash GROUP BY band, bucket HAVING count(*) > 1
),
members AS (
    SELECT b.band, b.bucket, i.ord, i.grp, i.item_id,
           row_number() OVER (PARTITION BY b.band, b.bucket ORDER BY i.ord) AS position
    FROM webinstruct_minhash b
    SEMI JOIN crowded c ON c.band = b.band AND c.bucket = b.bucket
    JOIN webinstruct_dedup_items i ON i.item_id = b.item_id
)
SELECT a.item_id AS a_id, b.item_id AS b_id, any_value(a.ord) AS a_ord, any_value(b.ord) AS b_ord,
       any_value(a.grp) AS a_group, any_value(b.grp) AS b_group
FROM members a
JOIN members b ON a.band = b.band AND a.bucket = b.bucket AND a.position < b.position
WHERE a.position <= $max_bucket_peers AND (a.grp <> b.grp OR a.band = -1)
GROUP BY a.item_id, b.item_id
