"""A faithful local stand-in of the Feishu open platform: see ``server.py`` (:class:`FeishuStandIn`)."""

from handlers.offline.feishu.api import RateLimits
from handlers.offline.feishu.events import FeishuChat, FeishuUser
from handlers.offline.feishu.server import FeishuStandIn
from handlers.offline.feishu.state import Call, Delivery, Message, Resource

__all__ = ["Call", "Delivery", "FeishuChat", "FeishuStandIn", "FeishuUser", "Message", "RateLimits", "Resource"]
