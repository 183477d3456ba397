-- One decision per dedup item: rows outside every edge are kept.
SELECT i.item_id, coalesce(d.kept, true) AS kept, coalesce(d.reason, '') AS reason,
       dup.item_id AS duplicate_of, d.similarity
FROM webinstruct_dedup_items i
LEFT JOIN dedup_decided d ON d.ord = i.ord
LEFT JOIN webinstruct_dedup_items dup ON dup.ord = d.duplicate_of
ORDER BY i.ord
