-- Languages and domains of one shard's documents, for metadata and plots.
SELECT coalesce(language, 'unknown') AS language, count(*) AS documents,
       count(DISTINCT domain) AS domains, sum(length_chars) AS chars
FROM web_documents
WHERE shard_key = $shard_key
GROUP BY ALL
ORDER BY documents DESC
