-- Decontaminated pages of one shard, with the text and structured data extraction needs.
SELECT p.dump, p.doc_id, p.url, p.domain, p.page_text, p.structured_method, p.structured_pairs
FROM page_texts p
JOIN decontaminated_documents d ON d.shard_key = p.shard_key AND d.doc_id = p.doc_id
WHERE p.shard_key = $shard_key AND d.decision = 'kept'
ORDER BY p.doc_id
