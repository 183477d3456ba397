-- One set's alpagasus_subset against its scores: kept vs scores at or above $threshold, rated vs kept + dropped.
SELECT count(*) FILTER (WHERE a.status = 'kept') AS kept,
       count(*) FILTER (WHERE a.status = 'dropped') AS dropped,
       (SELECT count(*) FROM quality_scores s WHERE s.instruction_set = $instruction_set) AS rated,
       (SELECT count(*) FROM quality_scores s
         WHERE s.instruction_set = $instruction_set AND s.score >= $threshold) AS at_or_above
FROM alpagasus_subset a
WHERE a.instruction_set = $instruction_set
