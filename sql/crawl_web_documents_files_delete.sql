-- Remove one dump's rows from web_documents_files (first half of the atomic partition swap).
DELETE FROM web_documents_files WHERE dump = $dump
