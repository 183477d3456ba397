-- Whether any shard's refinement kept unrefined pairs as a fallback (for the dataset card).
SELECT coalesce(bool_or(keep_unrefined_when_rejected), false) AS keep_unrefined_when_rejected FROM refined_qa_refiners
