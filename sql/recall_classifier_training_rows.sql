-- Round-1 training examples: the kept seeds.
SELECT seed_id AS example_id, label, source, text
FROM recall_seeds
WHERE status = 'kept'
ORDER BY seed_id
