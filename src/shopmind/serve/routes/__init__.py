"""The HTTP API, one router per resource (search, recommendations, events, products, quality,
admin and health, users and segments, the assistant, experiments, forecasts, ads, pricing);
:func:`shopmind.serve.app.create_app` includes them all."""

from shopmind.serve.routes import (
    admin,
    ads,
    assistant,
    events,
    experiments,
    forecast,
    pricing,
    products,
    quality,
    recs,
    search,
    users,
)

ROUTERS = (search.router, recs.router, events.router, products.router, quality.router, admin.router)
ROUTERS += (users.router,)
ROUTERS += (assistant.router,)
ROUTERS += (experiments.router,)
ROUTERS += (forecast.router,)
ROUTERS += (ads.router,)
ROUTERS += (pricing.router,)

__all__ = ["ROUTERS"]
