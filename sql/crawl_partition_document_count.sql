-- Number of documents stored for one dump.
SELECT count(*) FROM web_documents WHERE dump = $dump
