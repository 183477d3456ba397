-- Totals of one dump over its shards: records read, documents, rejects, texts kept, round-1 and
-- round-2 scored/kept (tables that do not exist yet count as 0 through the caller).
SELECT
    (SELECT coalesce(sum(records), 0) FROM web_documents_files WHERE dump = $dump) AS records_seen,
    (SELECT count(*) FROM web_documents WHERE dump = $dump) AS documents,
    (SELECT count(*) FROM web_documents_rejects WHERE dump = $dump) AS rejected,
    (SELECT count(*) FROM web_document_texts WHERE dump = $dump) AS texts_kept,
    (SELECT count(*) FROM recall_scores_round1 WHERE dump = $dump) AS round1_scored,
    (SELECT count(*) FROM recall_scores_round1 WHERE dump = $dump AND decision = 'kept') AS round1_kept
