-- Rows stored under one dump key that do not belong to it: null dump, or a WET file that is not
-- one of that dump's selected files, or no file stats for the dump at all.
SELECT
    (SELECT count(*) FROM web_documents WHERE dump = $dump) AS documents,
    (SELECT count(*) FROM web_documents
      WHERE dump = $dump AND wet_file NOT IN (SELECT wet_file FROM wet_files WHERE dump = $dump)) AS foreign_file_rows,
    (SELECT count(*) FROM web_documents WHERE dump IS NULL) AS null_dump_rows,
    (SELECT count(*) FROM web_documents_files WHERE dump = $dump) AS file_stats,
    (SELECT count(*) FROM wet_files WHERE dump = $dump) AS selected_files
