-- random_subset decisions of one instruction set.
SELECT example_id, decision FROM random_subset WHERE instruction_set = $instruction_set
