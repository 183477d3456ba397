-- The benchmarks every materialized shard was decontaminated against (for the dataset card).
SELECT DISTINCT benchmark FROM decontaminated_documents_benchmarks ORDER BY benchmark
