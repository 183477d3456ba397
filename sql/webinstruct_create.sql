-- The dataset: kept candidates with their provenance, in dedup order; pairs kept unrefined are
-- labelled with $unrefined as their refiner.
CREATE OR REPLACE TABLE webinstruct AS
SELECT x.id, c.question, c.answer, c.dump, c.url, c.domain, c.doc_id, c.warc_file, c.warc_record_id,
       c.wet_file, c.wet_record_id, c.pair_id, c.refined_id,
       CASE WHEN c.final_source = 'original' THEN $unrefined ELSE c.refiner END AS refiner,
       c.refiner_model, c.extraction_method, c.final_source
FROM webinstruct_candidate_rows c
JOIN webinstruct_dedup x ON x.refined_id = c.refined_id
JOIN webinstruct_dedup_items i ON i.item_id = c.refined_id
WHERE x.decision = 'kept'
ORDER BY i.ord
