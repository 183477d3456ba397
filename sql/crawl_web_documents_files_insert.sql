-- Insert one dump's staged rows into web_documents_files (second half of the atomic partition swap).
INSERT INTO web_documents_files BY NAME SELECT * FROM read_parquet($files) WHERE dump = $dump
