-- How many examples alpagasus_subset kept for one set (the random control's size).
SELECT count(*) FROM alpagasus_subset WHERE instruction_set = $instruction_set AND decision = 'kept'
