-- Kept fraction of one set's AlpaGasus subset, coding vs non-coding and per category.
SELECT 'coding' AS grouping,
       CASE WHEN is_coding THEN 'coding' ELSE 'non-coding' END AS bucket,
       count(*) AS rated, count(*) FILTER (WHERE decision = 'kept') AS kept,
       count(*) FILTER (WHERE decision = 'kept') / count(*) AS kept_fraction,
       avg(score) AS mean_score
FROM alpagasus_subset WHERE instruction_set = $instruction_set
GROUP BY ALL
UNION ALL
SELECT 'category', coalesce(category, '(none)'),
       count(*), count(*) FILTER (WHERE decision = 'kept'),
       count(*) FILTER (WHERE decision = 'kept') / count(*), avg(score)
FROM alpagasus_subset WHERE instruction_set = $instruction_set AND category IS NOT NULL
GROUP BY ALL
ORDER BY 1, 3 DESC
