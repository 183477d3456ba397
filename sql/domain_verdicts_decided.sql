-- Decisions of the domain step: one row per candidate domain (kept: a round-2 source).
SELECT domain, decision FROM domain_verdicts
