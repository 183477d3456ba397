-- Stored generations of one checkpoint x benchmark partition, in evaluation order.
SELECT *
FROM benchmark_generations
WHERE partition = $partition
ORDER BY item_index
