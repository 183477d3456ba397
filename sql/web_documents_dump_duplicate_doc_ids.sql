-- How many doc_ids occur more than once within one dump (across all its shards).
SELECT count(*) AS duplicated_doc_ids
FROM (SELECT doc_id FROM web_documents WHERE dump = $dump GROUP BY doc_id HAVING count(*) > 1)
