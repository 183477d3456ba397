-- verified_rationales decisions of one instruction set.
SELECT program_id, decision FROM verified_rationales WHERE instruction_set = $instruction_set
