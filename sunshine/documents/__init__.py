"""Documents: intake, storage, scanning, packets and letters."""
