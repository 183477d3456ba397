-- The distinct signature parameters stored in webinstruct_minhash (one expected).
SELECT DISTINCT signature FROM webinstruct_minhash
