-- Where the crawl stage read this dump's files from (a file:// mirror or an HTTP base).
SELECT any_value(base_url) FROM wet_files WHERE dump = $dump
