-- Per comparison: the share of answered items the judge left unjudged (a failed or unparsed judgement).
SELECT comparison,
       count(*) FILTER (WHERE decision <> 'unanswered') AS answered,
       count(*) FILTER (WHERE decision IN ('judge_failed', 'unparsed')) AS unparsed,
       count(*) FILTER (WHERE decision IN ('judge_failed', 'unparsed')) / greatest(count(*), 1) AS failure_rate
FROM judge_verdicts
GROUP BY comparison
ORDER BY comparison
