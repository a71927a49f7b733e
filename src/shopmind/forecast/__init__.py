"""Demand forecasting and inventory planning (issue 14): series, models, ensemble, evaluation, policy."""
