-- Languages and domains of one dump's documents, for metadata and plots.
SELECT coalesce(language, 'unknown') AS language, count(*) AS documents,
       count(DISTINCT domain) AS domains, sum(length_chars) AS chars
FROM web_documents
WHERE dump = $dump
GROUP BY ALL
ORDER BY documents DESC
