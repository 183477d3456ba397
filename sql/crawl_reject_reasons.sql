-- Rejected records of one dump by reason.
SELECT reason, count(*) AS records
FROM web_documents_rejects
WHERE dump = $dump
GROUP BY reason
ORDER BY records DESC, reason
