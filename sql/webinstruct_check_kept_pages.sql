-- Text of every page decontamination kept, in every dump (re-checked by the overlap check).
SELECT p.dump, p.doc_id, p.page_text, p.structured_pairs
FROM page_texts p
JOIN decontaminated_documents d ON d.dump = p.dump AND d.doc_id = p.doc_id
WHERE d.status = 'kept'
