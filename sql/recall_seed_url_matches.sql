-- Documents matching the URLs of a seed file (latest dump wins when a URL was crawled twice).
SELECT dump, doc_id, domain, url, left(text, $max_chars) AS text
FROM read_parquet($files)
WHERE url IN (SELECT unnest($urls::VARCHAR[]))
  AND (len($dumps::VARCHAR[]) = 0 OR dump IN (SELECT unnest($dumps::VARCHAR[])))
QUALIFY row_number() OVER (PARTITION BY url ORDER BY dump DESC, doc_id) = 1
