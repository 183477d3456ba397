-- Positive seeds: documents whose registered domain is a seed domain, in a stable random order.
SELECT dump, doc_id, domain, url, left(text, $max_chars) AS text
FROM read_parquet($files)
WHERE domain IN (SELECT unnest($domains::VARCHAR[]))
  AND (len($dumps::VARCHAR[]) = 0 OR dump IN (SELECT unnest($dumps::VARCHAR[])))
  AND coalesce(length_chars, 0) > 0
ORDER BY md5(dump || ':' || doc_id || ':' || $seed)
LIMIT $limit
