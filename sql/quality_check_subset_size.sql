-- Per set: kept rows of alpagasus_subset vs scores at or above the stored threshold, and rows in vs kept + dropped.
WITH subset AS (
    SELECT instruction_set, any_value(threshold) AS threshold, count(DISTINCT threshold) AS thresholds,
           count(*) FILTER (WHERE status = 'kept') AS kept,
           count(*) FILTER (WHERE status = 'dropped') AS dropped
    FROM alpagasus_subset GROUP BY instruction_set
)
SELECT b.instruction_set, b.threshold, b.thresholds, b.kept, b.dropped,
       (SELECT count(*) FROM quality_scores s WHERE s.instruction_set = b.instruction_set) AS rated,
       (SELECT count(*) FROM quality_scores s
         WHERE s.instruction_set = b.instruction_set AND s.score >= b.threshold) AS at_or_above
FROM subset b
ORDER BY b.instruction_set
