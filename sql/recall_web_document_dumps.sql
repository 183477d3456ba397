-- Dumps present in web_documents.
SELECT DISTINCT dump FROM web_documents ORDER BY dump
