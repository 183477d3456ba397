SELECT count(*) FROM page_texts WHERE dump = $dump AND status = 'ok'
