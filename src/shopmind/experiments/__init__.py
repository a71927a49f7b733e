"""Online experiments: assignment (A/B, layers, holdouts), analysis (delta method, CUPED, always-valid
inference, SRM), team-draft interleaving and off-policy evaluation.

Each module has one job; nothing here imports from serve/ (serving imports from here)."""
