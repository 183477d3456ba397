-- Per training source: source rows accounted for (each yields exactly one item with repeat 0,
-- an example or a reject; weighted repeats have repeat > 0), and how many examples were kept or
-- dropped, for the rows-in = kept + dropped check.
SELECT
    source,
    count(*) FILTER (WHERE "repeat" = 0) AS rows_accounted,
    count(*) FILTER (WHERE status = 'kept') AS kept,
    count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM sft_training_examples
WHERE recipe = $recipe
GROUP BY source
ORDER BY source
