"""Every Chinese text the bot sends, in one place: short, polite, plain."""

from __future__ import annotations

START = (
    "您好，我是网格通，负责整理网格员每天的排查上报。\n"
    "网格员直接在网格群里发上报内容即可，我会记录并回复确认。\n"
    "发送 /help 查看上报示例。"
)

HELP = (
    "📋 <b>怎么上报</b>\n"
    "直接在网格群里发文字，例如：\n"
    "• 包联10户33人，体温均正常，无返乡人员\n"
    "• 王建国家 4人 体温36.5 正常\n"
    "• 除霍建军家外均正常，霍建军家儿子体温37.6\n"
    "• 同昨日（和昨天一样）\n"
    "• 更正：王建国家5人\n"
    "也可以用接龙，每人一行。\n\n"
    "📌 <b>常用命令</b>\n"
    "/iam 姓名 — 第一次使用，关联您的网格员身份\n"
    "/mystatus — 查看今天已报和未报的户\n"
    "/undo — 撤回今天最后一次上报\n"
    "/bind 网格名 — 群管理员把本群绑定到网格\n"
    "/help — 显示本帮助"
)

COMMANDS: list[tuple[str, str]] = [
    ("start", "开始使用"),
    ("help", "上报示例和帮助"),
    ("iam", "关联网格员身份：/iam 姓名"),
    ("mystatus", "今天的上报情况"),
    ("undo", "撤回今天最后一次上报"),
    ("bind", "绑定本群到网格：/bind 网格名"),
]


#: commands written in Chinese on platforms where commands are plain text (Feishu): the word alone, or followed
#: by a space and the arguments (``汇总 本周``), stands for the command
COMMAND_ALIASES: dict[str, str] = {
    "帮助": "help", "绑定": "bind", "我是": "iam", "我的": "mystatus", "撤销": "undo", "表格": "form",
    "汇总": "summary", "统计": "summary", "导出": "export", "图表": "chart", "统计员": "statistician",
    "时间表": "schedule", "暂停": "pause", "恢复": "resume", "请假": "leave", "网页": "web", "控制台": "web",
}


def _feature(title: str, lines: list[str], commands: list[tuple[str, str]]) -> str:
    """A feature's section of /help (``HELP += _feature(...)``); its ``commands`` join the command menu."""
    COMMANDS.extend(commands)
    return f"\n\n{title}\n" + "\n".join(lines)


ERROR = "抱歉，处理时出了点问题，请稍后再发一次。"

NOT_LINKED = "您好，您还没有关联网格员身份，这条消息没有记录。请发送 /iam 您的姓名 进行关联。"
GROUP_NOT_BOUND = "本群还没有绑定网格。请群管理员发送 /bind 网格名。"
PRIVATE_ONLY_HINT = "请在网格群里上报。私聊可以使用 /mystatus 查看今天的情况。"

BIND_USAGE = "用法：/bind 网格名（例如 /bind 第一网格，重名时写 村名/网格名）"
BIND_NOT_GROUP = "请在网格群里使用 /bind。"
BIND_NOT_ALLOWED = "只有本群管理员中的网格长或系统管理员可以绑定网格。"
BIND_NOT_FOUND = "没有找到网格“{name}”，请核对名称。"
BIND_AMBIGUOUS = "有多个网格叫“{name}”，请写成 村名/网格名，例如：{example}"
BIND_OK = "✅ 本群已绑定到 {grid}（{members}名网格员，{households}户）。"
BIND_ALREADY = "本群已经绑定了 {grid}。"

IAM_USAGE = "用法：/iam 您的姓名（例如 /iam 王艳）"
IAM_NOT_GROUP = "请在您所在的网格群里发送 /iam 姓名。"
IAM_NOT_FOUND = "本群的网格里没有叫“{name}”的网格员，请核对姓名。"
IAM_ALREADY = "您已经关联为网格员 {name}，可以直接上报。"
IAM_TAKEN = "网格员 {name} 已经关联了其他账号。如有疑问请联系网格长。"
IAM_REQUEST = "🙋 {user} 申请关联为网格员 {name}（{grid}）。请网格长确认："
IAM_APPROVE = "同意"
IAM_REJECT = "拒绝"
IAM_APPROVED = "✅ 已关联：{user} 是网格员 {name}（{grid}），现在可以直接上报了。"
IAM_REJECTED = "已拒绝 {user} 关联为 {name} 的申请。"
IAM_NOT_ALLOWED = "只有该网格的网格长或系统管理员可以确认。"
IAM_DONE_ALREADY = "这个申请已经处理过了。"

REPORT_OK = "✅ 已记录 {member} {summary}"
#: several members' acknowledgements in one message, when a group is busy (see README "Deployment")
REPORT_MERGED = "✅ 已记录：{items}"
ACK_ANOMALIES = "（异常：{anomalies}）"
#: to the statisticians (once a month) when the Feishu tenant's monthly API calls run short
FEISHU_QUOTA_NOTICE = ("⚠️ 本月飞书接口调用已用 {used} 次（免费额度每月 {quota} 次），额度紧张，照此速度月底前会用完。"
                       "为节省额度，群里的普通上报确认改为每 {minutes} 分钟合并发送一条；提问、错误提示和命令回复照常立即发送。"
                       "如需更多额度，请联系企业管理员升级飞书版本。")
REPORT_SAME = "✅ 已记录 {member}：同昨日，{summary}"
REPORT_NO_HISTORY = "{member}，没有找到您之前的上报，无法按“同昨日”记录。请直接写今天的情况。"
REPORT_UNMATCHED = "❓ 没有找到户主：{names}。请核对姓名后再发一次。"
REPORT_FOREIGN = "⚠️ {household}家由网格员{owner}负责，这条没有记录。"
REPORT_NOT_YOURS = "⚠️ 这份上报写的是网格员{member}，只能由本人或网格长上报，没有记录。"
REPORT_COUNT_MISMATCH = "❓ 您名下共{expected}户，这次写的是{stated}户，请确认。"
REPORT_NOTHING = "这条上报没有找到可以记录的住户。请写明户主姓名，或写“包联X户X人均正常”。"
REPORT_CORRECTED = "✅ 已更正 {member} {summary}"
REPORT_EDIT_WITHDRAWN = "已按修改后的消息撤回 {member} 的上报。"
REPORT_RECALL_WITHDRAWN = "{member} 撤回了消息，这条消息的上报已撤销。"
CHAIN_OK = "✅ 接龙已记录：{names}"
#: a message longer than the parser reads (bot.parser.textnorm.MAX_CHARS): only its first lines were read
MESSAGE_TOO_LONG = "⚠️ 这条消息太长，只读了前{lines}行，后面的内容没有读到，也没有记录。请把后面的内容分几条发送。"
#: a field the parser was not sure of: stored as unknown until the member states it
REPORT_DOUBT = "❓ {household}家的{fields}没看清，请补一下。"
#: a value the parser read but was not sure of (体温365 → 36.5): shown, and stored once the member confirms it
REPORT_CONFIRM = "❓ {household}家的{items}，对吗？对的请回“是”，不对请写正确的。"
REPORT_DOUBT_HOUSEHOLD = "❓ 没看清是不是{household}家，这户没有记录。请写明户主姓名再发一次。"
#: an answer to such a question (bot/reports/answers.py): what was filled in, or the question again, plainly
ANSWER_FILLED = "✅ 已补上 {household}：{items}"
ANSWER_CORRECT = "❓ 好的，请写{household}正确的{fields}，例如“{example}”。"
ANSWER_AGAIN = "❓ 没看明白是哪一项。{fields}还没补上，请连同项目一起写，例如“{example}”。"

# residents' chains keyed by room or address (README "Residents' chains")
ROOM_LINE = "接龙第{number}条“{text}”"
ROOM_LINE_UNNUMBERED = "“{text}”"
ROOM_OK = "✅ 住户接龙已记录：{items}"
ROOM_ITEM = "{member} {n}户"
ROOM_ACK = "住户接龙 {items}"
ROOM_ANOMALY = "{room}{what}"
ROOM_UNKNOWN = "❓ {line}没有找到这个房号，没有记录。请核对楼号和房号，例如 3-2105。"
ROOM_AMBIGUOUS = "❓ {line}对应本网格的{n}户，没有记录。请写明楼号（和单元），例如 3-2-2105。"
ROOM_SEVERAL = "❓ {line}写了几户，没有记录。请每户接一行。"
ROOM_FOREIGN = "⚠️ {line}不是本群网格的住户，没有记录。"
ROOM_DOUBT = "❓ {line}的{fields}没看清，请补一下。"
ROOM_CONFIRM = "❓ {line}的{items}，对吗？对的请回“是”，不对请写正确的。"
#: a resident's bare value after questions about several of their lines: which line is it for?
ROOM_ANSWER_WHICH = "❓ 没看明白是补哪一条。请长按机器人的那条提问，选“回复”后再写。"

MYSTATUS = "📋 {member} 今天（{day}）：已报 {done}/{total} 户{missing}"
MYSTATUS_MISSING = "\n未报：{names}"
MYSTATUS_MISSING_GROUP = "\n未报{n}户。户主名单请私聊我发送 /mystatus 查看。"
MYSTATUS_ALL_DONE = "，全部报完了，辛苦了！"
MYSTATUS_RESIDENTS = "（其中住户接龙{n}户）"
MYSTATUS_NOT_LINKED = "您还没有关联网格员身份。请在网格群里发送 /iam 您的姓名。"

UNDO_OK = "↩️ 已撤回 {member} 今天最后一次上报（{count}户）。"
UNDO_NOTHING = "今天还没有可以撤回的上报。"

STRANGER = "抱歉，您没有权限使用这个功能。"


# ---------------------------------------------------------------------------------------------- deadlines and reminders
HELP += _feature(
    "⏰ <b>提醒（网格长使用）</b>",
    [
        "/schedule — 查看提醒时间；/schedule 截止 18:00 提醒 16:00 17:30 — 修改",
        "/pause 到 2月15日 原因 — 暂停提醒；/resume — 恢复",
        "/leave 姓名 2月10日-2月12日 — 登记请假，请假期间不提醒",
    ],
    [
        ("schedule", "查看或设置本网格的提醒时间"),
        ("pause", "暂停本网格的提醒：/pause 到 日期 原因"),
        ("resume", "恢复本网格的提醒"),
        ("leave", "登记网格员请假：/leave 姓名 起止日期"),
    ],
)

NAG_REMIND = "⏰ 温馨提醒：今天{deadline}前请上报包联户情况。还没有上报的有：{names}"
NAG_DEADLINE = "⛔ 已到{deadline}截止时间，以下网格员还没有上报：{names}。请尽快补报，谢谢！"
NAG_PARTIAL = "{name}（还差{n}户）"
NAG_ESCALATE = "📣 {grid}：今天（{day}）{deadline}截止后仍未上报的有：{names}。请您督促一下，谢谢。"
NAG_ESCALATE_GROUP = "📣 {leader}，{grid}：今天（{day}）{deadline}截止后仍未上报的有：{names}。请督促一下，谢谢。"
NAG_LEADER_UPDATE = "📬 {grid}更新：{names}已补报。"
NAG_LEADER_UPDATE_REST = "仍未报：{names}"
NAG_LEADER_UPDATE_DONE = "现已全部报齐。"
DIGEST_TITLE = "📊 {day} 上报情况"
DIGEST_LINE = "{grid}：已报 {done}/{total} 人"
DIGEST_PAUSED = "{grid}：已暂停提醒"

SCHEDULE_SHOW = "⏰ {grid} 的提醒时间：\n{times}"
SCHEDULE_TIMES = "开始：{open}\n提醒：{reminders}\n截止：{deadline}\n上报网格长：{escalate}"
SCHEDULE_OFF = "不发"
SCHEDULE_CUSTOM = "（本网格自定义）"
SCHEDULE_DAYS_ALL = "每天"
SCHEDULE_DAYS_WEEKDAYS = "工作日（周一至周五）"
SCHEDULE_ACTIVE_DAYS = "提醒日：{days}"
SCHEDULE_CAMPAIGN = "排查期：{start}至{end}"
SCHEDULE_PAUSED = "⏸ 已暂停{until}{reason}"
SCHEDULE_DISABLED = "系统没有开启提醒。"
SCHEDULE_USAGE = (
    "用法：/schedule 截止 18:00 提醒 16:00 17:30 开始 08:00 升级 18:30\n"
    "（“开始 关”或“升级 关”表示不发；/schedule 默认 恢复系统默认时间）"
)
SCHEDULE_BAD = "❓ {why}。\n" + SCHEDULE_USAGE
SCHEDULE_INVALID = "❓ {why}，没有修改。"
SCHEDULE_SET = "✅ 已修改 {grid} 的提醒时间：\n{times}"
SCHEDULE_DROPPED = "（{times} 的提醒晚于截止时间，已取消）"
SCHEDULE_RESET = "✅ {grid} 已恢复默认提醒时间：\n{times}"
SCHEDULE_NOT_ALLOWED = "只有本网格的网格长或系统管理员可以修改提醒设置。"
SCHEDULE_NO_GRID = "请在网格群里使用这个命令。"

PAUSE_OK_UNTIL = "⏸ 已暂停 {grid} 的提醒，到{until}（含）为止，之后自动恢复。{reason}"
PAUSE_OK = "⏸ 已暂停 {grid} 的提醒，发送 /resume 恢复。{reason}"
PAUSE_REASON = "原因：{reason}"
PAUSE_BAD_DATE = "❓ 日期“{text}”看不懂，请写成 2月15日 或 2020-02-15。"
PAUSE_PAST = "❓ {day} 已经过去了，请写今天或以后的日期。"
RESUME_OK = "▶️ 已恢复 {grid} 的提醒。"
RESUME_NOT_PAUSED = "{grid} 的提醒没有暂停。"

LEAVE_USAGE = "用法：/leave 姓名 2月10日-2月12日（一天可只写一个日期；/leave 姓名 取消 撤销请假）"
LEAVE_OK = "✅ 已登记 {name} 请假：{start}至{end}，期间不提醒。"
LEAVE_OK_ONE = "✅ 已登记 {name} 请假：{start}，当天不提醒。"
LEAVE_CANCELLED = "✅ 已撤销 {name} 的请假。"
LEAVE_NONE_TO_CANCEL = "{name} 没有需要撤销的请假。"
LEAVE_NOT_FOUND = "本网格没有叫“{name}”的网格员，请核对姓名。"
LEAVE_BAD_DATES = "❓ 日期“{text}”看不懂。" + LEAVE_USAGE
LEAVE_LIST = "📋 请假登记：\n{lines}"
LEAVE_LIST_LINE = "{name}：{start}至{end}"
LEAVE_LIST_EMPTY = "目前没有请假登记。"


# ---------------------------------------------------------------------------------------------- summaries and exports
HELP += _feature(
    "📊 <b>汇总和台账（统计员、网格长使用）</b>",
    [
        "/summary [昨天|本周|日期] [镇/村/网格] — 上报汇总",
        "/export [起止日期] [范围] [csv] — 导出台账（仅私聊）",
        "/chart [天数] — 近几天上报率和异常图表",
    ],
    [
        ("summary", "上报汇总：/summary [日期] [镇/村/网格]"),
        ("export", "导出台账（私聊）：/export [起止日期] [范围]"),
        ("chart", "近几天上报率图表：/chart [天数]"),
    ],
)

STATS_NO_ROLE = "抱歉，您没有查看汇总的权限。如需开通，请联系管理员。"
STATS_GROUP_REFUSED = "为保护住户信息，汇总只在私聊或统计员群里发送。请私聊我发送 /{cmd}。"
STATS_PRIVATE_ONLY = "为保护住户信息，台账只在私聊中发送。请私聊我发送 /{cmd}。"
STATS_CHAT_SCOPE_BAD = "本统计员群的范围“{scope}”在台账里找不到，请管理员检查配置。"
STATS_NOT_IN_CHAT = "本群只汇总{scope}，不在您负责的范围内。"
STATS_UNIT_NOT_FOUND = "没有找到“{name}”。请写镇、村或网格的名称，例如：{example}"
STATS_UNIT_AMBIGUOUS = "有多个单位叫“{name}”，请写完整，例如：{examples}"
STATS_UNIT_NOT_ALLOWED = "您只能查看自己负责的范围：{scope}。"
STATS_RANGE_TOO_LONG = "时间范围太长（{days}天），最多{max}天。"

SUMMARY_LONG_NOTE = "📎 内容较长（未报{missing}人、异常{anomalies}条），完整汇总见附件。"
SUMMARY_UNITS_IN_FILE = "单位较多，各单位的数字也在附件里。"
SUMMARY_FILE_CAPTION = "{title} {period} 完整汇总"
DIGEST_MORE = "……另有{n}条未列出"
DIGEST_TAIL = "完整汇总请在本群发送 /summary，台账请私聊发送 /export。"

EXPORT_PROGRESS = "⏳ 正在生成台账（{title}，{period}，{rows}行）…… {pct}%"
EXPORT_DONE = "✅ 台账已生成（{rows}行），请查收下面的文件。"
EXPORT_CAPTION = "📒 {title} {period} 台账：明细{detail}行，未报{missing}户次，异常{anomalies}户次。\n需要 CSV 格式请发送：{csv}"
EXPORT_CAPTION_CSV = "📒 {title} {period} 台账（CSV，4个文件打包）：明细{detail}行，未报{missing}户次，异常{anomalies}户次。"
EXPORT_TOO_BIG = "这次要导出{rows}行，超过了聊天里能发送的{max}行。请缩小范围或日期，或请管理员在服务器上用 gridbot export 导出。"
EXPORT_BY_PHONE = "电话录入"
EXPORT_BY_RESIDENT = "住户接龙"
EXPORT_PROXY = "{member}（{sender}）"

CHART_USAGE = "用法：/chart 天数（1—{max}），例如 /chart 7"
CHART_CAPTION = "📈 {title} 近{days}天：上报率和异常户数"
CHART_MORE_UNITS = "（单位较多，只画了前{n}个）"
CHART_TOTAL = "合计"
CHART_TITLE = "{title} 近{days}天上报率和异常"

STAT_USAGE = (
    "用法：\n/statistician — 查看统计员\n/statistician add 用户ID或@用户名 镇或村\n"
    "/statistician del 用户ID或@用户名 [镇或村]\n也可以回复某人的消息发送 /statistician add 镇或村"
)
STAT_SCOPE_BAD = "“{scope}”不是台账里的一个镇或村（重名时请写成 镇/村）。"
STAT_ADDED = "✅ 已设置 {user} 为 {scope} 的统计员。"
STAT_EXISTS = "{user} 已经是 {scope} 的统计员。"
STAT_REMOVED = "✅ 已取消 {user} 的统计员身份（{n}项）。"
STAT_NONE_REMOVED = "{user} 不是统计员。"
STAT_LIST = "📋 统计员：\n{lines}"
STAT_LIST_EMPTY = "还没有设置统计员。"
STAT_FROM_CONFIG = "（配置文件）"

# ---------------------------------------------------------------- photos of handwritten tables, forms
OCR_READING = "📷 正在识别…"
OCR_RESULT_HEAD = "📷 {member} 的照片（{kind}）识别结果，请核对："
OCR_CORRECTED_HEAD = "✏️ 已更正，{member} 的照片识别结果："
OCR_REOFFER_HEAD = "⏰ {member} 的照片识别结果还没有确认，确认后才会记录："
OCR_KIND_TABLE = "手写表格"
OCR_KIND_FORM = "登记表"
OCR_UNSURE = "❓"
OCR_UNSURE_NOTE = "标❓的地方没把握，请重点核对。"
OCR_UNMATCHED_ROWS = "❓ {rows}的户主没有认出来，不会记录；可回复“行号 户主 姓名”补上。"
OCR_HOW_TO_FIX = "有误请回复本消息更正，例如“3 体温 36.8”或“第5行 人数 4”。核对无误请点【确认】，确认后才记录。"
OCR_CONFIRM = "确认"
OCR_REREAD = "重新识别"
OCR_CANCEL = "取消"
OCR_CANCELLED = "已取消，这张照片没有记录。"
OCR_GONE = "这条识别结果已失效。"
OCR_DONE_ALREADY = "这条识别结果已经处理过了。"
OCR_NOT_ALLOWED = "只有发照片的网格员本人或网格长可以操作。"
OCR_NOTHING_TO_STORE = "没有可以记录的住户，请更正后再确认。"
OCR_REREADING = "🔄 正在重新识别…"
OCR_FIX_USAGE = "更正的写法：行号 项目 新值，例如“3 体温 36.8”或“第5行 人数 4”，多处更正可以分行写。"
OCR_FIX_NO_ROW = "第{row}行没有识别结果，请先写户主，例如“{row} 户主 王建国”。"
OCR_FIX_BAD_VALUE = "“{value}”不是有效的{field}，这处没有更正。"
OCR_FIX_BAD_NAME = "您名下没有叫“{name}”的户主，这处没有更正。"
OCR_FIX_DUPLICATE = "{name}已经在第{row}行了，这处没有更正。"
OCR_ERRORS = {
    "not_image": "这个文件不是图片，没法识别。请直接发表格的照片（jpg、png）。",
    "truncated": "图片不完整（可能没有传完），请重新发送一次。",
    "too_small": "图片太小了，看不清。请拍清楚整张表格再发。",
    "too_large": "图片太大了，没法处理。请直接用手机拍照发送。",
    "no_table": "没有在照片里找到表格。请把整张表格拍进去、拍正拍清楚，表头要写“户主、人数、体温、外出、返乡”。",
    "empty": "表格上还没有填写内容，这张照片没有记录。请填好后再拍照发送。",
    "no_households": "表格里没有找到您负责的住户，这张照片没有记录。请核对是不是自己的表格。",
    "cut_off": "照片没有拍全，表格有一部分在照片外面，这张照片没有记录。请把整张表格都拍进去，再发一次。",
    "covered": "表格有一部分被手指或别的东西挡住了，这张照片没有记录。请拿开后把整张表格拍清楚，再发一次。",
    "busy": "现在识别的照片比较多，请过几分钟再发一次。",
    "timeout": "识别时间太长，没有完成。请拍得更清楚一些再发一次。",
    "failed": "抱歉，这张照片识别出错了，请重新发送，或直接用文字上报。",
}
FORM_CAPTION = "🖨️ {member} 的排查登记表（{day}），共{households}户。打印后填写，拍照发到网格群即可自动识别。"
FORM_NOT_LINKED = "您还没有关联网格员身份，无法生成登记表。请在网格群里发送 /iam 您的姓名。"
FORM_NO_HOUSEHOLDS = "台账里您名下没有住户，无法生成登记表。"
FORM_BAD_DATE = "写法：/form、/form 2020-02-10 或 /form 3天；网格长、统计员私聊我发送 /form 第一网格 3天 可打印整个网格。"
FORM_FAILED = "抱歉，登记表生成失败了，请稍后再试。"
FORM_RUN_CAPTION = ("🖨️ {scope} 的排查登记表：{members}名网格员 × {days}天（{first}起），共{pages}页，每人每天一页。"
                    "每页都有自己的二维码，填好后拍照发到网格群即可自动识别。")
FORM_OWN_DAYS_CAPTION = "🖨️ {member} 的排查登记表（{first}起{days}天），共{households}户、{pages}页。打印后填写，拍照发到网格群即可自动识别。"
FORM_RUN_PRIVATE_ONLY = "为保护住户信息，整个网格的登记表只在私聊中发送。请私聊我发送 /form {name}。"
FORM_RUN_TOO_MANY_DAYS = "一次最多打印{max}天的登记表。"
FORM_RUN_TOO_MANY_PAGES = "一次最多打印{max}页，这次需要{pages}页。请少选几天，或按网格分开打印。"
FORM_RUN_EMPTY = "这个范围里没有住户，无法生成登记表。"
HELP += _feature(
    "📷 <b>手写表格</b>",
    [
        "也可以直接发手写表格的照片（表头写户主、人数、体温、外出、返乡、备注），核对后点【确认】才记录。",
        "/form — 生成可打印的排查登记表，填好拍照发回即可（/form 3天：连续3天）",
        "/form 第一网格 3天 — 网格长、统计员私聊使用：整个网格每人每天一页，方便村委会统一打印",
    ],
    [("form", "打印排查登记表")],
)

# ---------------------------------------------------------------------- the roster file (CLI and console)
ROSTER_IMPORT_FAILED = "导入失败：{n} 行有问题，台账没有任何改动。"
ROSTER_IMPORTED = ("导入完成：{grids}个网格，{members}名网格员；新增{added}户，更新{updated}户，"
                   "换网格员{moved}户，未变{unchanged}户，停用{deactivated}户。")
ROSTER_IGNORED_COLUMNS = "（忽略的列：{columns}）"

# ---------------------------------------------------------------------- the web console's services
CONSOLE_NO_ROLE = "抱歉，您没有查看的权限。如需开通，请联系管理员。"
CONSOLE_NOT_IN_SCOPE = "这不在您负责的范围内。"
CONSOLE_NOT_FOUND = "没有找到这一户。"
CONSOLE_BAD_KIND = "没有这种异常：{kind}。"
CONSOLE_BAD_PERIOD = "日期不对：开始日期晚于结束日期。"
CONSOLE_CORRECT_NOT_ALLOWED = "只有统计员、网格长或系统管理员可以更正数值。"
CONSOLE_CORRECT_NO_REASON = "请填写更正原因。"
CONSOLE_CORRECT_BAD_FIELD = "没有这个项目：{field}。"
CONSOLE_CORRECT_FUTURE = "不能更正还没到的日子（{day}）。"
CONSOLE_CORRECT_SAME = "数值没有变化，没有更正。"
CONSOLE_CORRECT_TOO_OLD = "只能更正最近{days}天内的数值（更早的记录已按保留期删除）。"
CONSOLE_ROSTER_NOT_ALLOWED = "只有统计员或系统管理员可以上传花名册。"
CONSOLE_ROSTER_OUTSIDE = "这份花名册改动了您负责范围以外的住户（{places}），不能由您导入。"
CONSOLE_ROSTER_CHANGED = "预览之后台账或文件有了变化，请重新预览再确认。"
CONSOLE_NO_ARGS = "请写要改的时间，例如：截止 20:00、提醒 16:00 18:00，或 恢复默认"
CONSOLE_ROSTER_EMPTY = "文件里没有任何住户行。"
#: who stored a correction, when the chat knows no name for them (a statistician or an admin)
CONSOLE_STATISTICIAN = "{scope}统计员"
CONSOLE_ADMIN = "系统管理员"
#: the web console's 异常, household and 更正 pages
WEB_BAD_DATE = "日期格式不对：「{value}」。请用 2020-02-03 这样的日期。"
WEB_BAD_GRID = "没有这个网格，或不在您的范围内。"
WEB_TOO_LONG = "{what}太长了，最多{n}个字。"
WEB_CORRECTED = "✅ 已保存更正（{day}），见下方记录。"
WEB_CORRECT_NO_VALUE = "请填写新的数值（要清除就写「空」）。"

# ---------------------------------------------------------------- the web console
HELP += _feature(
    "🖥️ <b>网页控制台（统计员、网格长使用）</b>",
    ["/web — 私聊我发送，获取网页控制台的登录链接（10分钟内有效，只能用一次）"],
    [("web", "网页控制台登录链接（私聊）")],
)
WEB_LINK = ("🖥️ 网页控制台登录链接（{minutes}分钟内有效，只能用一次，请勿转发）：\n{url}\n"
            "打开后点“登录”。您在网页上看到的范围和在聊天里一样。")
WEB_PRIVATE_ONLY = "为保护住户信息，登录链接只在私聊中发送。请私聊我发送 /web。"
WEB_DISABLED = "网页控制台还没有开启，请联系管理员。"
WEB_TOO_MANY = "登录链接申请太频繁了，请过一会儿再试。"
WEB_REFUSED = {
    "bad": "这个登录链接无效。请在私聊中向机器人发送 /web 获取新的链接。",
    "expired": "这个登录链接已过期（10分钟内有效）。请在私聊中向机器人发送 /web 获取新的链接。",
    "used": "这个登录链接已经用过了，每个链接只能用一次。请在私聊中向机器人发送 /web 获取新的链接。",
    "blocked": "登录失败次数太多，请过一会儿再试。",
    "csrf": "页面已过期，请重新打开登录链接。",
}
WEB_REFUSED_TITLE = "登录失败"
WEB_FORBIDDEN_TITLE = "拒绝"
WEB_HOME_TITLE = "网格通 网页控制台"
WEB_HOME = "请在私聊中向机器人发送 /web，点开收到的登录链接即可登录（无需密码）。"
WEB_NO_ROLE_TITLE = "没有权限"
WEB_NO_ROLE = "抱歉，您没有查看的权限。如需开通，请联系管理员。"
WEB_NO_GRID = "没有这个网格，或不在您的范围内。"
WEB_NO_MEMBER = "没有这个网格员，或不在您的范围内。"
