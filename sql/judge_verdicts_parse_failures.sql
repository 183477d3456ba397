-- Per comparison: answered items vs verdict rows, and the share the judge left unparsed.
WITH items AS (
    SELECT comparison, count(DISTINCT (test_set, item_id)) AS items FROM judge_answers GROUP BY comparison
), verdicts AS (
    SELECT comparison, count(*) AS verdicts,
           count(*) FILTER (WHERE verdict = 'unjudged' AND a_first_parse_status IS NOT NULL) AS unparsed
    FROM judge_verdicts GROUP BY comparison
)
SELECT i.comparison, i.items, coalesce(v.verdicts, 0) AS verdicts, coalesce(v.unparsed, 0) AS unparsed,
       coalesce(v.unparsed, 0) / greatest(i.items, 1) AS failure_rate
FROM items i LEFT JOIN verdicts v USING (comparison)
ORDER BY i.comparison
