-- Round-1 training examples: the kept seeds, interleaved in a stable random order (fastText reads
-- its training file in order, so positives and negatives must not come in blocks).
SELECT seed_id AS example_id, label, source, text
FROM recall_seeds
WHERE status = 'kept'
ORDER BY md5(seed_id || ':' || $seed)
