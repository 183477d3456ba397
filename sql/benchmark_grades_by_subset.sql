-- Accuracy per BBH task or MMLU subject (the item id's prefix before '/') of one partition.
SELECT
    split_part(item_id, '/', 1) AS subset,
    count(*) AS n,
    count(*) FILTER (WHERE correct) AS correct,
    count(*) FILTER (WHERE unparsable) AS unparsable,
    round(count(*) FILTER (WHERE correct) / count(*), 4) AS accuracy
FROM benchmark_grades
WHERE partition = $partition
GROUP BY subset
ORDER BY subset
