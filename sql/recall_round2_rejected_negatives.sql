-- Round-2 negatives from domains the judge rejected and round 1 does not favour, only pages that
-- round 1 scored low.
SELECT 'doc:' || s.dump || ':' || s.doc_id AS example_id, 'negative' AS label,
       'rejected_domain' AS source, left(w.text, $max_chars) AS text
FROM recall_scores_round1 s
JOIN domain_verdicts v ON v.domain = s.domain AND v.round2_role = 'negative_source'
JOIN web_documents w ON w.dump = s.dump AND w.doc_id = s.doc_id
WHERE s.status = 'dropped' AND s.reason = 'below_threshold' AND s.score < $max_negative_score
ORDER BY md5(s.dump || ':' || s.doc_id || ':' || $seed)
LIMIT $limit
