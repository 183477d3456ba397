-- The checkpoint a training recipe produced (what `recipe:<name>` in a judge model spec means).
SELECT checkpoint_path FROM sft_checkpoint WHERE recipe = $recipe ORDER BY run_id DESC LIMIT 1
