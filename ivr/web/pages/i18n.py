"""The pages' words in Chinese and English; each user chooses, and the choice is remembered."""

from __future__ import annotations

from ivr.db.enums import Language
from ivr.web.pages.i18n_choices import CHOICES

TEXT: dict[str, tuple[str, str]] = {  # key: (zh-CN, en-US)
    "title": ("95598 热线", "95598 Hotline"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "name": ("用户名", "Name"),
    "customer": ("客户", "Customer"),
    "password": ("密码", "Password"),
    "bad_login": ("用户名或密码错误", "Wrong name or password"),
    "too_many": ("尝试次数过多，请稍后再试", "Too many attempts: try again later"),
    "wallboard": ("监控大屏", "Wallboard"),
    "desk": ("坐席工作台", "Agent desk"),
    "outages": ("停电信息", "Outages"),
    "reports": ("报表", "Reports"),
    "home": ("首页", "Home"),
    "ivr_calls": ("IVR 通话中", "Calls in the IVR"),
    "waiting": ("排队", "Waiting"),
    "longest_wait": ("最长等待(秒)", "Longest wait (s)"),
    "queue": ("队列", "Queue"),
    "agents": ("坐席", "Agents"),
    "members": ("签入", "Logged in"),
    "available": ("空闲", "Available"),
    "ivr_three_rings": ("IVR 三声内接通率", "IVR answered within three rings"),
    "agent_three_rings": ("人工三声内接通率", "Agents answered within three rings"),
    "self_service": ("自助服务率", "Self-service rate"),
    "abandoned": ("放弃", "Abandoned"),
    "active_outages": ("当前停电", "Outages now"),
    "overdue": ("超期工单", "Work orders overdue"),
    "alarm": ("告警", "Alarm"),
    "today": ("今日", "Today"),
    "status": ("状态", "Status"),
    "caller": ("来电", "Caller"),
    "verified": ("已验证", "Verified"),
    "not_verified": ("未验证", "Not verified"),
    "account": ("户号", "Account"),
    "address": ("地址", "Address"),
    "language": ("语言", "Language"),
    "journey": ("IVR 轨迹", "IVR journey"),
    "open_orders": ("未结工单", "Open work orders"),
    "area_outage": ("所在区域停电", "Outage in the area"),
    "no_call": ("暂无来电", "No call"),
    "log_in": ("签入", "Log in"),
    "log_out": ("签出", "Log out"),
    "pause": ("示忙", "Pause"),
    "unpause": ("示闲", "Unpause"),
    "reason": ("原因", "Reason"),
    "new_order": ("新建工单", "New work order"),
    "type": ("类型", "Type"),
    "description": ("描述", "Description"),
    "save": ("保存", "Save"),
    "wrap_up": ("话后处理", "Wrap-up"),
    "callback": ("预约回电", "Schedule a callback"),
    "area": ("区域", "Area"),
    "kind": ("类型", "Kind"),
    "starts": ("开始", "Starts"),
    "restoration": ("预计恢复", "Estimated restoration"),
    "restore": ("恢复送电", "Restore"),
    "calls_drawn": ("来电数", "Calls"),
    "period": ("周期", "Period"),
    "day": ("日", "Day"),
    "week": ("周", "Week"),
    "month": ("月", "Month"),
    "calls_by_hour": ("分时来电", "Calls by hour"),
    "orders_by_type": ("工单类型及按期率", "Work orders by type, deadlines met"),
    "download": ("下载", "Download"),
    "calls": ("来电", "Calls"),
    "forbidden": ("无权访问", "Not allowed"),
}


def translate(language: Language | str, key: str) -> str:
    pair = TEXT.get(key) or CHOICES.get(key)
    if pair is None:
        return key
    return pair[1] if str(language) == Language.EN_US.value else pair[0]
