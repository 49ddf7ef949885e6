"""The notices register: what a DCC User notified to the SSC, the SMKI PMA, SECAS or a manufacturer."""
