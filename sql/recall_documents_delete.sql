DELETE FROM recalled_documents WHERE dump = $dump
