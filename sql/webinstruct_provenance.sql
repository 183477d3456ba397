-- Walk one WebInstruct example ($example_id) back to its refinement, extracted pair and web page.
SELECT w.id AS example_id, w.question AS final_question,
       r.refined_id, r.refiner, r.refiner_model, r.final_source, r.decision AS refinement_decision,
       e.pair_id, e.method AS extraction_method, e.question AS extracted_question,
       e.answer AS extracted_answer, e.question_grounding,
       p.dump, p.doc_id, p.url, p.domain, p.warc_file, p.warc_record_id, p.wet_file,
       p.wet_record_id, p.text_source,
       d.decision AS decontamination_decision
FROM webinstruct w
JOIN refined_qa r ON r.refined_id = w.refined_id
JOIN extracted_qa e ON e.dump = r.dump AND e.pair_id = r.pair_id
JOIN page_texts p ON p.dump = e.dump AND p.doc_id = e.doc_id
LEFT JOIN decontaminated_documents d ON d.dump = p.dump AND d.doc_id = p.doc_id
WHERE w.id = $example_id
