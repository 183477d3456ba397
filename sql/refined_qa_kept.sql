-- Kept refinements of every dump: the rows into the dataset's deduplication.
SELECT refined_id FROM refined_qa WHERE decision = 'kept'
