-- Verified edges by dedup order, with the reason's priority (1 = strongest), as a temp table.
CREATE OR REPLACE TEMP TABLE dedup_edge_ords AS
SELECT p.a_ord, p.b_ord,
       CASE e.reason WHEN 'identical_in_group' THEN 1 WHEN 'exact_duplicate' THEN 2 ELSE 3 END AS priority,
       e.similarity
FROM webinstruct_dedup_edges e
JOIN webinstruct_dedup_pairs p ON p.a_id = e.a_id AND p.b_id = e.b_id
