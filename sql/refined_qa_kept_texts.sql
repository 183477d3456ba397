-- One dump's kept refinements, the texts whose MinHash buckets webinstruct_minhash stores.
SELECT refined_id AS item_id, question, answer
FROM refined_qa
WHERE decision = 'kept' AND dump = $dump
ORDER BY refined_id
