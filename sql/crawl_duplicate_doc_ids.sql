-- doc_ids that occur more than once within one dump, with how often.
SELECT doc_id, count(*) AS copies
FROM web_documents
WHERE dump = $dump
GROUP BY doc_id
HAVING count(*) > 1
ORDER BY copies DESC, doc_id
LIMIT 20
