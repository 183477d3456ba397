-- Every domain with at least one round-1 recalled document, with its round-1 statistics.
SELECT domain,
       count(*) AS total_docs,
       count(*) FILTER (WHERE decision = 'kept') AS recalled_docs,
       count(*) FILTER (WHERE decision = 'kept') / count(*) AS recalled_fraction,
       avg(score) AS mean_score
FROM recall_scores_round1
WHERE domain IS NOT NULL AND domain <> ''
GROUP BY domain
HAVING count(*) FILTER (WHERE decision = 'kept') > 0
ORDER BY recalled_docs DESC, domain
