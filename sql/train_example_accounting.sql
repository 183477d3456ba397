-- Per training source: distinct source rows accounted for (weighted repeats carry a #k suffix),
-- and how many examples were kept or dropped, for the rows-in = kept + dropped check.
SELECT
    source,
    count(DISTINCT regexp_replace(id, '#[0-9]+$', '')) AS rows_accounted,
    count(*) FILTER (WHERE status = 'kept') AS kept,
    count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM sft_training_examples
WHERE recipe = $recipe
GROUP BY source
ORDER BY source
