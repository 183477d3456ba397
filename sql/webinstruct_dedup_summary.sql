-- Dedup decisions: kept, and dropped per reason.
SELECT decision, count(*) AS n
FROM webinstruct_dedup
GROUP BY ALL
ORDER BY n DESC
