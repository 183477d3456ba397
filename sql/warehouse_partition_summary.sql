-- Rows per partition of the demo table used by the warehouse tests.
SELECT dump, count(*) AS rows, sum(value) AS total
FROM warehouse_test_rows
WHERE dump = $dump
GROUP BY dump
