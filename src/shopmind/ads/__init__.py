"""Sponsored placements (issue 16 item 2): campaigns, a GSP auction with a relevance floor, budget pacing.

``campaign.py`` validates definitions, ``clickmodel.py`` predicts click probability (position-based
model), ``auction.py`` picks and prices the sponsored slots of one request and blends them into the
organic list, ``pacing.py`` spreads each budget over the day. Served through ``settings.py`` (the
``[ads]`` table, off by default), ``ledger.py`` (campaigns, impressions, clicks, spend and sales in
the workspace, shared by workers) and ``serving.py`` (the per-process auction state);
``serve/routes/ads.py`` is the API and the hook search and "similar items" call.
"""

from shopmind.ads.auction import Auction, AuctionResult, AuctionSettings, Item, Placement, gsp_prices
from shopmind.ads.campaign import Campaign, CampaignError, Schedule, parse_campaign, parse_campaigns
from shopmind.ads.clickmodel import PositionClickModel, default_theta
from shopmind.ads.pacing import Pacer, cumulative_shape, evenness

__all__ = [
    "Auction",
    "AuctionResult",
    "AuctionSettings",
    "Campaign",
    "CampaignError",
    "Item",
    "Pacer",
    "Placement",
    "PositionClickModel",
    "Schedule",
    "cumulative_shape",
    "default_theta",
    "evenness",
    "gsp_prices",
    "parse_campaign",
    "parse_campaigns",
]
