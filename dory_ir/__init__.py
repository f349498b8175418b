"""dory's IR: types, attributes, ops, the textual form (Lark parser + printer), dialects, the
verifier and the reference interpreter."""
