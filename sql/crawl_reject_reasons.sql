-- Rejected records of one shard by reason.
SELECT reason, count(*) AS records
FROM web_documents_rejects
WHERE shard_key = $shard_key
GROUP BY reason
ORDER BY records DESC, reason
