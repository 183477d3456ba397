-- Dedup candidates in dedup order (page, pair, refiner; the preferred copy first): every kept
-- refinement that reaches the dataset (same joins as webinstruct_candidates), numbered.
SELECT r.refined_id AS row_id, r.pair_id AS grp, r.dump,
       row_number() OVER (ORDER BY r.dump, r.doc_id, r.pair_id, r.refiner_index) AS ord
FROM refined_qa r
JOIN extracted_qa e ON e.dump = r.dump AND e.pair_id = r.pair_id
JOIN page_texts p ON p.dump = r.dump AND p.doc_id = r.doc_id
WHERE r.kept
