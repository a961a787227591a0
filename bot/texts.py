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
REPORT_SAME = "✅ 已记录 {member}：同昨日，{summary}"
REPORT_NO_HISTORY = "{member}，没有找到您之前的上报，无法按“同昨日”记录。请直接写今天的情况。"
REPORT_UNMATCHED = "❓ 没有找到户主：{names}。请核对姓名后再发一次。"
REPORT_FOREIGN = "⚠️ {household}家由网格员{owner}负责，这条没有记录。"
REPORT_NOT_YOURS = "⚠️ 这份上报写的是网格员{member}，只能由本人或网格长上报，没有记录。"
REPORT_COUNT_MISMATCH = "❓ 您名下共{expected}户，这次写的是{stated}户，请确认。"
REPORT_NOTHING = "这条上报没有找到可以记录的住户。请写明户主姓名，或写“包联X户X人均正常”。"
REPORT_CORRECTED = "✅ 已更正 {member} {summary}"
REPORT_EDIT_WITHDRAWN = "已按修改后的消息撤回 {member} 的上报。"
CHAIN_OK = "✅ 接龙已记录：{names}"

MYSTATUS = "📋 {member} 今天（{day}）：已报 {done}/{total} 户{missing}"
MYSTATUS_MISSING = "\n未报：{names}"
MYSTATUS_ALL_DONE = "，全部报完了，辛苦了！"
MYSTATUS_NOT_LINKED = "您还没有关联网格员身份。请在网格群里发送 /iam 您的姓名。"

UNDO_OK = "↩️ 已撤回 {member} 今天最后一次上报（{count}户）。"
UNDO_NOTHING = "今天还没有可以撤回的上报。"

STRANGER = "抱歉，您没有权限使用这个功能。"
