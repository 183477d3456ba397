-- Negative seeds: a stable random sample of documents outside the seed domains and positives.
SELECT dump, doc_id, domain, url, left(text, $max_chars) AS text
FROM read_parquet($files)
WHERE domain NOT IN (SELECT unnest($exclude_domains::VARCHAR[]))
  AND (dump || ':' || doc_id) NOT IN (SELECT unnest($exclude_keys::VARCHAR[]))
  AND (len($dumps::VARCHAR[]) = 0 OR dump IN (SELECT unnest($dumps::VARCHAR[])))
  AND coalesce(length_chars, 0) > 0
ORDER BY md5(dump || ':' || doc_id || ':' || $seed)
LIMIT $limit
