-- Greedy decisions over the verified edges (a earlier than b), in a temp table of this connection.
-- Start: every row that some edge leads away from but none leads into is kept.
CREATE OR REPLACE TEMP TABLE dedup_decided AS
SELECT DISTINCT e.a_ord AS ord, true AS kept, NULL::VARCHAR AS reason, NULL::BIGINT AS duplicate_of,
       NULL::DOUBLE AS similarity, 0 AS round
FROM dedup_edge_ords e
ANTI JOIN dedup_edge_ords i ON i.b_ord = e.a_ord
