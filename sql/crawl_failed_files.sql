-- WET files of one dump that could not be read (download or open failed), with the error.
SELECT wet_file, error
FROM web_documents_files
WHERE dump = $dump AND error IS NOT NULL
ORDER BY wet_file
