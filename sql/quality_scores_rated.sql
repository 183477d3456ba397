-- Every rated example of one instruction set (rated or not parsed): the rows into both subsets.
SELECT example_id FROM quality_scores WHERE instruction_set = $instruction_set
