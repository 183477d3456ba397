-- One set's alpagasus_subset against its scores: kept rows vs scores at or above $threshold.
SELECT count(*) FILTER (WHERE a.decision = 'kept') AS kept,
       (SELECT count(*) FROM quality_scores s
         WHERE s.instruction_set = $instruction_set AND s.score >= $threshold) AS at_or_above
FROM alpagasus_subset a
WHERE a.instruction_set = $instruction_set
