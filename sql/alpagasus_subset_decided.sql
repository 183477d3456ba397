-- alpagasus_subset decisions of one instruction set.
SELECT example_id, decision FROM alpagasus_subset WHERE instruction_set = $instruction_set
