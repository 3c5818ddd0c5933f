"""Security: vault keys and audit-head anchors (sign-in and key slots come next). Qt-free."""
