-- What the dedup decides on, in dedup order (page, pair, refiner; the preferred copy first).
CREATE OR REPLACE TABLE webinstruct_dedup_items AS
SELECT refined_id AS item_id, pair_id AS grp, dump,
       row_number() OVER (ORDER BY dump, doc_id, pair_id, refiner_index) AS ord
FROM webinstruct_candidate_rows
