-- Per-item grades of one checkpoint x benchmark partition.
SELECT *
FROM benchmark_grades
WHERE partition = $partition
ORDER BY item_index
