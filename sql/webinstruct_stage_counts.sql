-- Row counts of every WebInstruct stage by outcome, across dumps (for the dataset card).
SELECT 'page_texts' AS stage, status AS outcome, count(*) AS n FROM page_texts GROUP BY ALL
UNION ALL SELECT 'decontaminated_documents', status, count(*) FROM decontaminated_documents GROUP BY ALL
UNION ALL SELECT 'extracted_qa_pages', outcome, count(*) FROM extracted_qa_pages GROUP BY ALL
UNION ALL SELECT 'extracted_qa', status, count(*) FROM extracted_qa GROUP BY ALL
UNION ALL SELECT 'refined_qa', status, count(*) FROM refined_qa GROUP BY ALL
ORDER BY stage, outcome
