-- WebInstruct pairs as raw records for the `webinstruct` instruction set (any provenance columns pass through).
SELECT * FROM webinstruct
