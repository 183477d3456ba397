-- Per partition: generations stored vs grades stored (regrading must grade every generation).
SELECT
    coalesce(g.partition, r.partition) AS partition,
    coalesce(g.generations, 0) AS generations,
    coalesce(r.grades, 0) AS grades
FROM (SELECT partition, count(*) AS generations FROM benchmark_generations GROUP BY partition) g
FULL OUTER JOIN (SELECT partition, count(*) AS grades FROM benchmark_grades GROUP BY partition) r
    ON g.partition = r.partition
WHERE coalesce(g.generations, 0) <> coalesce(r.grades, 0)
