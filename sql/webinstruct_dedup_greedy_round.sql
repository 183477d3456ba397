-- One round: an undecided row with a kept earlier neighbour is dropped (as a duplicate of the best
-- kept neighbour: identical in group, then exact, then near; highest similarity; earliest); one
-- whose earlier neighbours are all decided and all dropped is kept. Rounds repeat until none is
-- left; their number is the longest chain of duplicates.
INSERT INTO dedup_decided
WITH pending AS (
    SELECT e.b_ord, e.a_ord, e.priority, e.similarity, d.kept AS a_kept
    FROM dedup_edge_ords e
    ANTI JOIN dedup_decided done ON done.ord = e.b_ord
    LEFT JOIN dedup_decided d ON d.ord = e.a_ord
),
fate AS (
    SELECT b_ord,
           bool_or(coalesce(a_kept, false)) AS duplicate,
           bool_and(a_kept IS NOT NULL) AS all_decided,
           arg_min(struct_pack(a_ord, priority, similarity), (priority, -similarity, a_ord))
               FILTER (WHERE a_kept) AS best
    FROM pending
    GROUP BY b_ord
)
SELECT b_ord, NOT duplicate,
       CASE WHEN duplicate THEN ['identical_in_group', 'exact_duplicate', 'near_duplicate'][best.priority] END,
       CASE WHEN duplicate THEN best.a_ord END,
       CASE WHEN duplicate THEN best.similarity END,
       $round
FROM fate
WHERE duplicate OR all_decided
