-- recalled_documents: every web_documents column plus the round-2 score and decision.
CREATE TABLE IF NOT EXISTS recalled_documents AS
SELECT w.*, 0.0::DOUBLE AS score, false AS kept, ''::VARCHAR AS status, ''::VARCHAR AS reason,
       0.0::DOUBLE AS threshold, ''::VARCHAR AS classifier_sha256
FROM web_documents w
WHERE false
