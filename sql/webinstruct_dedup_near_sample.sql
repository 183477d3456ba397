-- A few near duplicates beside the kept row they duplicate, most similar last (the borderline ones first).
SELECT d.question AS dropped_question, k.question AS kept_question, round(d.similarity, 3) AS similarity
FROM webinstruct_dedup d
JOIN webinstruct_dedup k ON k.refined_id = d.duplicate_of
WHERE d.decision = 'near_duplicate'
ORDER BY d.similarity, d.refined_id
LIMIT $limit
