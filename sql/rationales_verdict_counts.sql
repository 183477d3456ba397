-- How the programs of one instruction set fared: verdict, execution status and reason class.
SELECT verdict, coalesce(status, '-') AS status, count(*) AS programs
FROM verified_rationales
WHERE instruction_set = $instruction_set
GROUP BY ALL
ORDER BY programs DESC, verdict, status
