-- WebInstruct pairs as raw records for the `webinstruct` instruction set (provenance columns pass through), in a stable order.
SELECT * FROM webinstruct ORDER BY id
