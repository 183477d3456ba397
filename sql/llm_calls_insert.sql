INSERT INTO llm_calls BY NAME SELECT * FROM _incoming
