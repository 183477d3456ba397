-- Parsed scores of one instruction set (for the histogram).
SELECT score FROM quality_scores WHERE instruction_set = $instruction_set AND score IS NOT NULL
