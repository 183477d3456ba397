-- Insert one dump's staged rows into web_documents (second half of the atomic partition swap).
INSERT INTO web_documents BY NAME SELECT * FROM read_parquet($files) WHERE dump = $dump
