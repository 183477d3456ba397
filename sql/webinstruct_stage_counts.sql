-- Row counts of every WebInstruct decision stage by decision, across dumps (for the dataset card).
SELECT 'page_texts' AS stage, decision, count(*) AS n FROM page_texts GROUP BY ALL
UNION ALL SELECT 'decontaminated_documents', decision, count(*) FROM decontaminated_documents GROUP BY ALL
UNION ALL SELECT 'extracted_qa_pages', decision, count(*) FROM extracted_qa_pages GROUP BY ALL
UNION ALL SELECT 'extracted_qa', decision, count(*) FROM extracted_qa GROUP BY ALL
UNION ALL SELECT 'refined_qa', decision, count(*) FROM refined_qa GROUP BY ALL
ORDER BY stage, decision
