-- Dumps whose WET files are listed (wet_files).
SELECT DISTINCT dump FROM wet_files ORDER BY dump
