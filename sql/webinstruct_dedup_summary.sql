-- Dedup outcome counts: kept, and dropped per reason.
SELECT CASE WHEN kept THEN 'kept' ELSE reason END AS outcome, count(*) AS n
FROM webinstruct_dedup
GROUP BY ALL
ORDER BY n DESC
