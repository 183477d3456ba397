-- Decided dedup candidates: the rows of the dataset itself (kept) and the removed duplicates (reason).
SELECT refined_id, 'kept' AS decision FROM webinstruct
UNION ALL
SELECT refined_id, decision FROM webinstruct_dedup WHERE decision <> 'kept'
