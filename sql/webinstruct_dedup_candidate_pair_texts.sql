-- Candidate pairs with both rows' texts, for the exact check.
SELECT p.a_id, p.b_id, p.a_group, p.b_group,
       ta.question AS a_question, ta.answer AS a_answer, tb.question AS b_question, tb.answer AS b_answer
FROM webinstruct_dedup_pairs p
JOIN webinstruct_dedup_texts ta ON ta.item_id = p.a_id
JOIN webinstruct_dedup_texts tb ON tb.item_id = p.b_id
ORDER BY p.b_ord, p.a_ord
