-- The dedup candidates (webinstruct_candidates) as a view, so the dataset tables can join them.
CREATE OR REPLACE VIEW webinstruct_candidate_rows AS
SELECT r.refined_id, r.pair_id, r.dump, r.doc_id, r.refiner_index, r.refiner, r.refiner_model, r.final_source,
       r.question, r.answer, e.method AS extraction_method,
       p.url, p.domain, p.warc_file, p.warc_record_id, p.wet_file, p.wet_record_id
FROM refined_qa r
JOIN extracted_qa e ON e.dump = r.dump AND e.pair_id = r.pair_id
JOIN page_texts p ON p.dump = r.dump AND p.doc_id = r.doc_id
WHERE r.decision = 'kept'
