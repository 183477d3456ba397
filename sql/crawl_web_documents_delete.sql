-- Remove one dump's rows from web_documents (first half of the atomic partition swap).
DELETE FROM web_documents WHERE dump = $dump
