-- Document lengths of one dump (for the length histogram).
SELECT length_chars FROM web_documents WHERE dump = $dump
