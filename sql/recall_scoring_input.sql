-- The documents of one dump to score (only what the classifier reads).
SELECT dump, doc_id, text
FROM web_documents
WHERE dump = $dump
