-- Remove one dump's rows from web_documents_rejects (first half of the atomic partition swap).
DELETE FROM web_documents_rejects WHERE dump = $dump
