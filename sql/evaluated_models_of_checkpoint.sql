-- The model `evaluated_model` resolved for a checkpoint key (one row per checkpoint partition).
SELECT *
FROM evaluated_models
WHERE checkpoint = $checkpoint
