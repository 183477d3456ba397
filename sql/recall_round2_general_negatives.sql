-- Round-2 general negatives: a stable random sample of low-scoring pages from any domain that is
-- neither a positive source nor in dispute (judge and round 1 disagree: not used at all).
SELECT 'doc:' || s.dump || ':' || s.doc_id AS example_id, 'negative' AS label,
       'general' AS source, left(w.text, $max_chars) AS text
FROM recall_scores_round1 s
JOIN web_documents w ON w.dump = s.dump AND w.doc_id = s.doc_id
WHERE s.status = 'dropped' AND s.reason = 'below_threshold' AND s.score < $max_negative_score
  AND s.domain NOT IN (SELECT domain FROM domain_verdicts WHERE round2_role IN ('positive_source', 'excluded_disagreement'))
  AND ('doc:' || s.dump || ':' || s.doc_id) NOT IN (SELECT unnest($exclude_ids::VARCHAR[]))
ORDER BY md5(s.dump || ':' || s.doc_id || ':' || $seed)
LIMIT $limit
