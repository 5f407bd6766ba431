//! User-interface language: Chinese (zh-CN) by default, English on request.
//!
//! The language of a request is, in order: the logged-in user's preference,
//! the `kq_lang` cookie (the switch on the login page), the browser's
//! `Accept-Language`, then Chinese. Every string a person reads — page text,
//! validation messages, error bodies — comes from [`CATALOG`]; a unit test
//! checks that every key used in a template exists in both languages.

use keqing_core::validate::Problem;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag (`zh-CN`, `en`), also used in `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a stored preference or cookie value.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::Zh)
        } else if t.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The best supported language in an `Accept-Language` header, by
    /// quality; `None` if it names neither Chinese nor English.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut bits = part.split(';');
            let tag = bits.next().unwrap_or("").trim();
            let q = bits.find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if let Some(lang) = Lang::from_tag(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// Whether this is Chinese (for the domain's `label(zh)` helpers).
    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }

    /// The text for `key`; the key itself if it is missing (never panics on
    /// a page, and the catalog test catches it first).
    pub fn t(self, key: &str) -> &'static str {
        match CATALOG_INDEX.get(key) {
            Some((zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing translation");
                "⟨missing text⟩"
            }
        }
    }
}

/// `(key, 中文, English)`.
pub const CATALOG: &[(&str, &str, &str)] = &[
    ("app.name", "客情", "Keqing"),
    ("app.tagline", "客情关系维护系统", "Customer relationship maintenance"),
    ("nav.home", "首页", "Home"),
    ("nav.users", "用户", "Users"),
    ("nav.teams", "团队", "Teams"),
    ("nav.audit", "操作日志", "Audit log"),
    ("nav.profile", "我的账户", "My account"),
    ("nav.logout", "退出登录", "Log out"),
    ("nav.api_docs", "API 文档", "API docs"),
    ("nav.menu", "菜单", "Menu"),
    ("lang.switch", "English", "中文"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("login.failed", "用户名或密码不正确。", "Wrong username or password."),
    ("login.throttled", "尝试次数过多，请稍后再试。", "Too many attempts. Please try again later."),
    ("login.expired", "登录已过期，请重新登录。", "Your session has expired. Please log in again."),
    ("login.logged_out", "您已退出登录。", "You have logged out."),
    ("home.greeting", "您好，", "Hello, "),
    ("today.title", "今日待办", "Today"),
    ("today.reminders", "每日提醒（企业微信/钉钉/邮件）", "Daily reminders (WeCom, DingTalk, e-mail)"),
    ("nav.expenses", "客情费", "Expenses"),
    ("nav.expense_queue", "检核", "Checks"),
    ("expenses.title", "客情费", "Relationship expenses"),
    ("expenses.queue", "统计表检核", "Statement checks"),
    ("expenses.ledger", "纯销与回款台账", "Sales and collections ledger"),
    ("expenses.summary", "本月概况", "This month"),
    ("expenses.accrued", "应计", "Accrued"),
    ("expenses.payable", "可兑现", "Payable"),
    ("expenses.withheld", "暂缓兑现", "Withheld"),
    ("expenses.allocated", "已分配", "Allocated"),
    ("expenses.paid", "已兑付", "Paid out"),
    ("expenses.headroom", "可借支", "Advance headroom"),
    ("expenses.outstanding", "未结清借支", "outstanding"),
    ("expenses.file_by", "提交给文员截止", "File to the clerk by"),
    ("expenses.checked_by", "三方检核截止", "All three checks by"),
    ("expenses.advances_from", "可借支日", "Advances from"),
    ("expenses.overdue", "已逾期", "overdue"),
    ("expenses.filed_at", "提交于", "filed"),
    ("expenses.code", "编码", "Code"),
    ("expenses.name", "名称", "Name"),
    ("expenses.unit", "单位", "Unit"),
    ("expenses.per_unit", "每单位纯销（元）", "Yuan per unit of net sales"),
    ("expenses.percent", "纯销金额的百分比", "Percent of net sales"),
    ("expenses.active", "在售", "Active"),
    ("expenses.new_product", "新增品种", "New product line"),
    ("expenses.rules", "客情费规则", "Expense rules"),
    ("expenses.payout_rule", "兑现方式", "Payable when"),
    ("expenses.full_collection", "全额回款后兑现", "after full collection"),
    ("expenses.pro_rata", "按回款率兑现", "pro rata to collection"),
    ("expenses.advance_limit", "每人借支限额（元）", "Advance limit per rep (yuan)"),
    ("expenses.cap_per_occasion", "每人每次上限（元，0为不限）", "Cap per person and occasion (yuan, 0: none)"),
    ("expenses.cap_per_year", "每人每年上限（元，0为不限）", "Cap per person and year (yuan, 0: none)"),
    ("expenses.max_attachment", "凭证大小上限（MiB）", "Evidence size limit (MiB)"),
    ("expenses.spot_check_count", "每次抽查客户数", "Customers per spot check"),
    ("expenses.transparency", "客情费往来明细（xlsx）", "Transfers of value received (xlsx)"),
    ("expenses.left", "还有", "in"),
    ("expenses.working_days", "个工作日", "working days"),
    (
        "expenses.provisional",
        "该年度节假日安排尚未导入，日期按周一至周五推算",
        "That year's holiday notice is not loaded; dates assume Monday–Friday",
    ),
    ("expenses.returned", "已退回", "Returned"),
    ("expenses.late", "逾期签字", "late"),
    ("expenses.draw", "借支金额（元）", "Advance (yuan)"),
    ("expenses.draw_button", "借支", "Draw"),
    ("expenses.file", "提交统计表（附表1、附表2）", "File the statement (附表1, 附表2)"),
    (
        "expenses.file_help",
        "提交后由销售文员、销售部经理、财务部依次检核签字",
        "Then the clerk, the sales manager and finance sign in that order",
    ),
    ("expenses.lines", "客户采购及客情费", "Purchases and expense per customer"),
    ("expenses.no_lines", "该月台账中没有你的客户", "The ledger has none of your customers this month"),
    ("expenses.customer", "客户", "Customer"),
    ("expenses.product", "品种", "Product line"),
    ("expenses.standard", "标准", "Standard"),
    ("expenses.net_units", "纯销数量", "Net units"),
    ("expenses.net_sales", "纯销金额", "Net sales"),
    ("expenses.collected", "回款", "Collected"),
    ("expenses.entries", "客情费分配与兑付", "Recipients and payouts"),
    ("expenses.no_entries", "还没有登记", "Nothing entered yet"),
    ("expenses.overridden", "财务特批", "finance override"),
    ("expenses.flagged", "现金给个人：待财务特批", "cash to a person: needs finance's override"),
    ("expenses.paid_on", "兑付于", "paid"),
    ("expenses.evidence", "凭证", "Evidence"),
    ("expenses.pay", "登记兑付", "Record payout"),
    ("expenses.recipient", "领取人", "Recipient"),
    ("expenses.the_organisation", "（单位，非个人）", "(the organisation, not a person)"),
    ("expenses.use", "用途", "Use"),
    ("expenses.form", "方式", "Form"),
    ("expenses.purpose", "事由", "Purpose"),
    ("expenses.occasion", "场合", "Occasion"),
    ("expenses.amount", "金额（元）", "Amount (yuan)"),
    ("expenses.add", "登记", "Add"),
    ("expenses.applications", "新客户特殊费用", "New-customer special expenses"),
    ("expenses.saved", "已保存", "Saved"),
    ("expenses.changed", "记录已被他人修改，请刷新后重试", "Someone changed it meanwhile; reload and try again"),
    ("expenses.spot_checks", "抽查", "Spot checks"),
    ("expenses.statements", "各代表统计表", "Statements by rep"),
    ("expenses.rep", "代表", "Rep"),
    ("expenses.state", "状态", "State"),
    ("expenses.late_filing", "逾期提交", "filed late"),
    ("expenses.late_checking", "检核逾期", "checked late"),
    ("expenses.sign", "签字", "Sign"),
    ("expenses.reject", "退回", "Return"),
    ("expenses.reject_reason", "退回原因", "reason to return"),
    (
        "expenses.flagged_title",
        "待特批：现金给客户个人（商业贿赂风险）",
        "Needs override: cash to a customer's employee (bribery risk)",
    ),
    ("expenses.override_reason", "特批理由", "reason"),
    ("expenses.override", "特批", "Override"),
    ("expenses.ledger_file", "台账文件（CSV 或 xlsx）", "Ledger file (CSV or xlsx)"),
    (
        "expenses.ledger_columns",
        "列：月份、客户（名称）或客户ID、品种编码、发货数量、纯销数量、纯销金额、回款金额",
        "Columns: 月份, 客户 or 客户ID, 品种编码, 发货数量, 纯销数量, 纯销金额, 回款金额",
    ),
    ("expenses.preview", "预览", "Preview"),
    ("expenses.import", "导入（全部或不导入）", "Import (all or nothing)"),
    ("expenses.shipped", "发货", "Shipped"),
    ("expenses.rate", "回款率", "Collection rate"),
    ("expenses.products", "品种与客情费标准", "Product lines and standards"),
    ("expenses.inactive", "停用", "inactive"),
    (
        "expenses.spot_help",
        "兑现完毕后，销售部经理抽查每位代表的3家客户确认",
        "After payout the sales manager confirms with 3 of each rep's customers",
    ),
    ("expenses.spot_due", "待抽查", "To spot-check"),
    ("expenses.spot_pick", "抽取客户", "Pick customers"),
    ("expenses.spot_list", "抽查记录", "Spot checks"),
    ("expenses.spot_none", "暂无", "None yet"),
    ("expenses.spot_note", "客户怎么说", "what the customer said"),
    ("expenses.confirmed", "已确认", "Confirmed"),
    ("expenses.discrepancy", "不符", "Discrepancy"),
    ("reminders.title", "每日提醒", "Daily reminders"),
    (
        "reminders.help",
        "每天在设定时间把今日待办发到你选择的渠道；免打扰时段内不发送，顺延到时段结束。",
        "Every day at your time, your agenda goes to the channel you choose; nothing is sent in your quiet hours (it waits until they end).",
    ),
    ("reminders.channel", "渠道", "Channel"),
    ("reminders.none", "不提醒", "No reminders"),
    ("reminders.email", "邮件", "E-mail"),
    ("reminders.wecom", "企业微信群机器人", "WeCom group robot"),
    ("reminders.dingtalk", "钉钉群机器人", "DingTalk robot"),
    ("reminders.webhook", "通用 Webhook（JSON）", "Generic webhook (JSON)"),
    ("reminders.target", "邮箱地址或机器人 Webhook 地址", "E-mail address or the robot's webhook URL"),
    ("reminders.secret", "钉钉加签密钥（SEC 开头，可选）", "DingTalk signing secret (SEC…, optional)"),
    ("reminders.digest_at", "发送时间", "Send at"),
    ("reminders.quiet", "免打扰时段", "Quiet hours"),
    ("reminders.save", "保存", "Save"),
    ("reminders.outbox", "最近的提醒", "Recent reminders"),
    ("today.ical", "订阅到手机日历", "Subscribe in your phone's calendar"),
    ("ical.title", "手机日历订阅", "Calendar feed"),
    (
        "ical.help",
        "把待办的拜访和节点（农历日期已换算成公历，礼品提前一周提醒）订阅到手机日历。链接就是钥匙：不要转发；泄露了就重新生成。",
        "Subscribe to your due visits and occasions (lunar dates resolved, gifts reminded a week ahead) in your phone's calendar. The link is the key: don't share it; if it leaks, replace it.",
    ),
    (
        "ical.new_url",
        "新的订阅链接（只显示这一次，请复制到手机日历的“添加订阅”）：",
        "Your new feed link (shown once; add it as a subscription in your phone's calendar):",
    ),
    ("ical.active_since", "已启用，生成于", "Active, created on"),
    ("ical.none", "还没有订阅链接。", "No feed link yet."),
    ("ical.create", "生成订阅链接", "Create the link"),
    ("ical.replace", "重新生成（旧链接作废）", "Replace it (the old link stops working)"),
    ("ical.revoke", "停用订阅", "Revoke"),
    ("today.greet", "写祝福", "Write a greeting"),
    ("greeting.title", "祝福", "Greeting"),
    ("greeting.text", "祝福内容（可修改）", "The text (edit it)"),
    ("greeting.similar", "相似内容已发给", "Nearly the same text already went to"),
    ("greeting.people", "人", "people"),
    (
        "greeting.copy_hint",
        "复制到微信/短信发出后，点“标记已发送”记录下来。",
        "Copy it into WeChat or SMS, send it, then mark it sent.",
    ),
    ("greeting.mark_sent", "标记已发送", "Mark sent"),
    ("greeting.send_anyway", "确认仍然发送", "Send anyway"),
    ("today.week", "本周", "This week"),
    ("today.empty", "今天没有到期的拜访、电话或节点。", "Nothing is due today."),
    ("today.overdue", "逾期", "Overdue"),
    ("today.overdue_count", "逾期事项", "Overdue items"),
    ("today.days", "天", " days"),
    ("today.done", "完成", "Done"),
    ("today.snooze", "推迟", "Snooze"),
    ("today.tomorrow", "明天", "Tomorrow"),
    ("today.note_optional", "备注（可选）", "Note (optional)"),
    ("today.logged", "已记录", "Logged"),
    ("today.snoozed_until", "已推迟到", "Snoozed until"),
    ("today.team", "团队今日", "The team today"),
    ("today.rep", "业务员", "Rep"),
    ("today.due", "今日待办", "Due today"),
    ("today.section.overdue", "逾期", "Overdue"),
    ("today.section.visits", "该拜访了", "Visits due"),
    ("today.section.calls", "该打电话了", "Calls due"),
    ("today.section.occasions", "节点与祝福", "Occasions"),
    ("today.section.follow_ups", "约定的下一步", "Promised next steps"),
    ("today.field.kind", "类型", "Kind"),
    ("today.field.on", "日期", "Day"),
    ("today.field.people", "联系人", "People"),
    ("today.field.organisation_id", "客户", "Organisation"),
    ("today.field.notes", "备注", "Note"),
    ("today.field.gift_item", "礼品", "Gift"),
    ("today.field.gift_value", "价值（元）", "Value (yuan)"),
    ("today.field.channel", "渠道", "Channel"),
    ("today.field.agenda_key", "待办项", "Item"),
    ("today.field.key", "待办项", "Item"),
    ("today.field.until", "推迟到", "Until"),
    ("today.field.reason", "推迟原因（必填）", "Reason (required)"),
    ("home.roles", "角色", "Roles"),
    ("home.team", "团队", "Team"),
    ("home.no_team", "未分配团队", "No team"),
    ("home.customers", "我负责的客户", "Customers in my reach"),
    ("home.organisations", "客户单位", "Organisations"),
    ("home.people", "客户联系人", "People"),
    ("home.admin_tasks", "管理员提醒", "Admin notices"),
    ("home.jobs_failed", "后台任务失败", "Background jobs failed"),
    ("password.title", "修改密码", "Change password"),
    ("password.must_change", "首次登录请设置新密码。", "Please set a new password before you continue."),
    ("password.current", "当前密码", "Current password"),
    ("password.new", "新密码", "New password"),
    ("password.confirm", "再次输入新密码", "Repeat the new password"),
    ("password.mismatch", "两次输入的新密码不一致。", "The two new passwords differ."),
    ("password.wrong_current", "当前密码不正确。", "The current password is wrong."),
    ("password.changed", "密码已修改。", "Your password has been changed."),
    (
        "password.hint",
        "至少 10 个字符；长度比复杂度更重要。",
        "At least 10 characters; length matters more than symbols.",
    ),
    ("profile.title", "我的账户", "My account"),
    ("profile.language", "界面语言", "Language"),
    ("profile.language_auto", "跟随浏览器", "Follow the browser"),
    ("profile.saved", "已保存。", "Saved."),
    ("tokens.title", "API 令牌", "API tokens"),
    (
        "tokens.help",
        "令牌用于程序调用 JSON API（Authorization: Bearer …）。令牌只显示一次，请妥善保存。",
        "Tokens let programs call the JSON API (Authorization: Bearer …). A token is shown once: keep it safe.",
    ),
    ("tokens.name", "名称", "Name"),
    ("tokens.prefix", "开头", "Starts with"),
    ("tokens.created", "创建时间", "Created"),
    ("tokens.last_used", "最近使用", "Last used"),
    ("tokens.never", "从未", "Never"),
    ("tokens.revoked", "已吊销", "Revoked"),
    ("tokens.revoke", "吊销", "Revoke"),
    ("tokens.create", "创建令牌", "Create token"),
    ("tokens.new_value", "新令牌（只显示这一次）：", "Your new token (shown only this once):"),
    ("users.title", "用户管理", "Users"),
    ("users.new", "新建用户", "New user"),
    ("users.username", "用户名", "Username"),
    ("users.display_name", "姓名", "Name"),
    ("users.email", "邮箱", "E-mail"),
    ("users.roles", "角色", "Roles"),
    ("users.team", "团队", "Team"),
    ("users.status", "状态", "Status"),
    ("users.active", "在用", "Active"),
    ("users.disabled", "已停用", "Disabled"),
    ("users.disable", "停用", "Disable"),
    ("users.enable", "启用", "Enable"),
    ("users.reset_password", "重置密码", "Reset password"),
    ("users.initial_password", "初始密码", "Initial password"),
    (
        "users.initial_password_hint",
        "留空则自动生成；用户首次登录须修改。",
        "Leave empty to generate one; the user must change it at first login.",
    ),
    ("users.created", "用户已创建。初始密码（只显示一次）：", "User created. Initial password (shown once):"),
    ("users.password_reset", "密码已重置。新密码（只显示一次）：", "Password reset. New password (shown once):"),
    ("users.save", "保存", "Save"),
    ("users.edit", "编辑", "Edit"),
    ("users.none", "无", "None"),
    ("role.rep", "销售代表", "Sales rep"),
    ("role.clerk", "销售文员", "Sales clerk"),
    ("role.manager", "销售经理", "Sales manager"),
    ("role.finance", "财务", "Finance"),
    ("role.admin", "管理员", "Admin"),
    ("teams.title", "团队", "Teams"),
    ("teams.new", "新建团队", "New team"),
    ("teams.name", "团队名称", "Team name"),
    ("teams.parent", "上级团队", "Parent team"),
    ("teams.manager", "负责人", "Manager"),
    ("teams.members", "成员", "Members"),
    ("teams.none", "无", "None"),
    ("teams.save", "保存", "Save"),
    ("teams.delete", "删除", "Delete"),
    ("audit.title", "操作日志", "Audit log"),
    ("audit.at", "时间", "Time"),
    ("audit.actor", "操作人", "By"),
    ("audit.action", "操作", "Action"),
    ("audit.entity", "对象", "Record"),
    ("audit.changes", "变更", "Changes"),
    ("audit.filter", "筛选", "Filter"),
    ("audit.export", "导出 CSV", "Export CSV"),
    ("audit.all", "全部", "All"),
    ("audit.from", "从", "From"),
    ("audit.until", "到", "Until"),
    ("audit.empty", "没有符合条件的记录。", "No entries match."),
    ("audit.more", "更多", "More"),
    ("action.create", "新建", "created"),
    ("action.update", "修改", "changed"),
    ("action.delete", "删除", "deleted"),
    ("action.login", "登录", "logged in"),
    ("action.login_throttled", "登录被限制", "login throttled"),
    ("action.password_change", "修改密码", "password changed"),
    ("action.view", "查看", "viewed"),
    ("action.export", "导出", "exported"),
    ("action.erase", "删除个人信息", "erased"),
    ("entity.user", "用户", "User"),
    ("entity.team", "团队", "Team"),
    ("entity.organisation", "客户单位", "Organisation"),
    ("entity.person", "联系人", "Person"),
    ("entity.api_token", "API 令牌", "API token"),
    ("entity.session", "登录", "Session"),
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.back", "返回", "Back"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.previous", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    ("error.title", "出错了", "Something went wrong"),
    ("error.bad_request", "请求无效。", "The request is not valid."),
    ("error.validation", "请检查标出的字段。", "Please check the fields marked."),
    ("error.unauthenticated", "请先登录。", "Please log in."),
    ("error.forbidden", "您没有权限执行此操作。", "You are not allowed to do this."),
    (
        "error.csrf",
        "表单已过期或来源不明，请刷新页面后重试。",
        "The form has expired or did not come from Keqing. Reload the page and try again.",
    ),
    ("error.not_found", "找不到该页面或记录。", "This page or record does not exist."),
    ("error.method_not_allowed", "不支持该请求方法。", "This method is not allowed here."),
    (
        "error.conflict",
        "该记录已被他人修改，请查看最新内容后再保存。",
        "Someone else changed this record. Review the current values and save again.",
    ),
    ("error.too_large", "提交的内容太大。", "The request is too large."),
    (
        "error.unsupported_media_type",
        "请以 JSON 格式提交（Content-Type: application/json）。",
        "Send JSON (Content-Type: application/json).",
    ),
    ("error.too_many_requests", "请求过于频繁，请稍后再试。", "Too many requests. Please try again later."),
    (
        "error.internal",
        "服务器内部错误，已记录。请稍后再试。",
        "Internal error; it has been logged. Please try again later.",
    ),
    ("error.unavailable", "数据库暂时不可用。", "The database is unavailable."),
    ("error.home", "回到首页", "Back to the home page"),
    ("nav.calendar", "节假日日历", "Calendar"),
    ("calendar.title", "节假日日历", "Holiday calendar"),
    ("calendar.source", "来源", "Source"),
    (
        "calendar.missing",
        "该年度的法定节假日安排尚未导入：该年的工作日按周一至周五计算，相关期限标记为“暂定”。国务院办公厅通常在每年11月发布下一年的安排。",
        "This year's statutory holiday notice is not loaded: its working days are computed Monday–Friday and deadlines in it are marked provisional. The State Council usually publishes next year's notice in November.",
    ),
    ("calendar.start_by_hand", "手工录入该年度", "Enter this year by hand"),
    ("calendar.off", "放假", "Day off"),
    ("calendar.work", "调休上班", "Make-up working day"),
    ("calendar.off_short", "休", "off"),
    ("calendar.work_short", "班", "work"),
    ("calendar.weekend", "周末", "Weekend"),
    ("calendar.festival", "节日", "Festival"),
    ("calendar.listed", "放假与调休", "Days off and make-up days"),
    ("calendar.date", "日期", "Date"),
    ("calendar.kind", "类型", "Kind"),
    ("calendar.name", "名称", "Name"),
    ("calendar.import", "导入年度安排", "Import a year's notice"),
    (
        "calendar.import_help",
        "CSV（UTF-8）：每行 date,kind,name，如 2027-01-01,off,元旦；kind 为 off（放假）或 work（调休上班）。导入会整体替换该年度的安排，先预览再确认。",
        "CSV (UTF-8), one row per day: date,kind,name, e.g. 2027-01-01,off,元旦; kind is off or work. An import replaces the year's notice as a whole: preview, then confirm.",
    ),
    ("calendar.file", "文件", "File"),
    ("calendar.paste", "或粘贴内容", "Or paste"),
    ("calendar.preview_button", "预览", "Preview"),
    ("calendar.preview", "预览（尚未保存）", "Preview (not saved yet)"),
    ("calendar.confirm_import", "确认导入", "Import"),
    (
        "home.calendar_missing",
        "年度法定节假日安排尚未导入，该年的期限为暂定。",
        "statutory holiday notice is not loaded; deadlines in that year are provisional.",
    ),
    ("home.calendar_import", "去导入", "Import it"),
    (
        "notice.calendar_missing",
        "下一年度的法定节假日安排尚未导入，相关期限将标记为暂定。",
        "Next year's statutory holiday schedule has not been imported; deadlines in it are provisional.",
    ),
    ("nav.customers", "客户", "Customers"),
    ("nav.people", "联系人", "People"),
    ("nav.referrals", "推荐关系", "Referrals"),
    ("nav.orphans", "孤儿客户", "Orphans"),
    ("nav.classification", "客户分级", "Classification"),
    ("nav.import", "导入导出", "Import & export"),
    ("nav.territories", "销售片区", "Territories"),
    ("entity.family_member", "家庭成员", "Family member"),
    ("entity.family_milestone", "家庭大事", "Family milestone"),
    ("entity.person_relation", "人际关系", "Relation"),
    ("entity.territory", "销售片区", "Territory"),
    ("entity.interaction", "联系记录", "Interaction"),
    ("entity.agenda_snooze", "推迟待办", "Snoozed item"),
    ("entity.custom_occasion", "要记住的日子", "Date to remember"),
    ("entity.ical_feed", "日历订阅", "Calendar feed"),
    ("entity.notification_pref", "提醒设置", "Reminder settings"),
    ("entity.organisation_cadence", "拜访频率", "Cadence"),
    ("entity.setting", "设置", "Settings"),
    ("entity.settings", "设置", "Settings"),
    ("customers.title", "客户", "Customers"),
    ("customers.new", "新建客户", "New customer"),
    ("customers.search", "搜索", "Search"),
    ("customers.search_hint", "名称、拼音、首字母、电话、标签", "Name, pinyin, initials, phone, tag"),
    ("customers.none", "没有符合条件的客户。", "No customers match."),
    ("customers.name", "名称", "Name"),
    ("customers.kind", "类型", "Type"),
    ("customers.class", "级别", "Class"),
    ("customers.region", "地区", "Region"),
    (
        "customers.region_hint",
        "输入地名或6位代码，如 昆明 或 530102",
        "Type a place or a six-digit code, e.g. 昆明 or 530102",
    ),
    ("customers.territory", "片区", "Territory"),
    ("customers.stage", "关系阶段", "Stage"),
    ("customers.status", "状态", "Status"),
    ("customers.owner", "负责人", "Owner"),
    ("customers.co_owners", "协作负责人", "Co-owners"),
    ("customers.tag", "标签", "Tag"),
    ("customers.tags", "标签（逗号分隔）", "Tags (comma-separated)"),
    ("customers.any_class", "全部级别", "Any class"),
    ("customers.any_kind", "全部类型", "Any type"),
    ("customers.any_region", "全部地区", "Any region"),
    ("customers.any_territory", "全部片区", "Any territory"),
    ("customers.any_stage", "全部阶段", "Any stage"),
    ("customers.any_status", "全部状态", "Any status"),
    ("customers.any_owner", "全部负责人", "Any owner"),
    ("customers.orphan", "待认养", "Orphan"),
    (
        "customers.orphan_notice",
        "负责人已停用，该客户等待经理重新分配。",
        "The owner's account is disabled: this customer waits for a manager to reassign it.",
    ),
    ("customers.score", "评分", "Score"),
    ("customers.class_by_hand", "手工定级原因", "Set by hand because"),
    ("customers.phone", "电话", "Phone"),
    ("customers.address", "地址", "Address"),
    ("customers.turnover", "年营业额", "Annual turnover"),
    ("customers.consumer_reach", "消费者影响力", "Consumer reach"),
    ("customers.financial_strength", "资金实力", "Financial strength"),
    ("customers.management_level", "管理水平", "Management level"),
    ("customers.opened_on", "开业日期", "Opened on"),
    ("customers.anniversary", "店庆日", "Store anniversary"),
    ("customers.next_anniversary", "下次店庆", "Next anniversary"),
    ("customers.notes", "备注", "Notes"),
    ("customers.people", "联系人", "People"),
    ("customers.set_class", "手工定级", "Set the class by hand"),
    ("customers.by_score", "按评分（取消手工定级）", "By score (undo the hand setting)"),
    ("customers.reason", "原因（手工定级必填）", "Reason (required when set by hand)"),
    ("people.title", "联系人", "People"),
    ("people.new", "新建联系人", "New person"),
    (
        "people.search_hint",
        "姓名、拼音、首字母、电话、微信号、单位",
        "Name, pinyin, initials, phone, WeChat, organisation",
    ),
    ("people.none", "没有符合条件的联系人。", "No people match."),
    ("people.erased", "已删除个人信息", "Erased"),
    (
        "people.erased_notice",
        "应本人要求，该联系人的个人信息已删除；业务统计保留。",
        "This person's personal data was erased on request; business figures are kept.",
    ),
    ("people.next_birthday", "下次生日", "Next birthday"),
    ("people.years_old", "岁", " years"),
    ("people.wechat", "微信", "WeChat"),
    ("people.organisations", "单位", "Organisations"),
    ("people.organisation", "所在单位", "Organisation"),
    ("people.organisation_hint", "输入单位名称或拼音后从列表选择", "Type the name or pinyin, then pick from the list"),
    ("people.position", "职务", "Position"),
    ("people.gender", "性别", "Gender"),
    ("people.other_phones", "其他电话（逗号分隔）", "Further phones (comma-separated)"),
    ("people.birthday", "生日", "Birthday"),
    (
        "people.birthday_hint",
        "如 1980-08-15、08-15、农历8-15、农历闰6-1",
        "e.g. 1980-08-15, 08-15, 农历8-15 (lunar), 闰6-1 (leap month)",
    ),
    ("people.interests", "爱好", "Interests"),
    ("people.tastes", "口味", "Tastes"),
    ("people.gift_preferences", "喜欢的礼品", "Gift preferences"),
    ("people.taboos", "忌讳", "Taboos"),
    ("people.how_we_met", "如何结识", "How we met"),
    ("people.info_source", "信息来源", "Source of the information"),
    ("people.legal_basis", "处理依据", "Legal basis"),
    (
        "people.personal_hidden",
        "个人信息（家庭、口味、生日、备注）对您的角色不可见。",
        "Personal details (family, tastes, birthday, notes) are not shown to your role.",
    ),
    ("people.last_contacts", "最近联系", "Last contacts"),
    ("people.no_contacts", "还没有拜访或联系记录。", "No visits or calls recorded yet."),
    ("people.log", "记录联系", "Log contact"),
    ("people.occasions", "要记住的日子", "Dates to remember"),
    ("people.occasion_label", "什么日子（如：帮忙办成贷款）", "What (e.g. the day we helped with the loan)"),
    ("people.occasion_date", "日期：12-20、农历10-23 或 2026-12-20", "Date: 12-20, 农历10-23 or 2026-12-20"),
    ("people.occasion_once", "只此一次", "Once only"),
    ("people.occasion_lead", "提前几天提醒（默认1）", "Days ahead (default 1)"),
    ("people.occasion_add", "添加", "Add"),
    ("people.log_more", "礼品、渠道、时长、下一步", "Gift, channel, duration, next step"),
    ("people.duration", "蹲点时长（分钟）", "Deep visit (minutes)"),
    ("people.next_step", "下一步", "Next step"),
    ("people.change_history", "查看修改记录", "Change history"),
    ("today.field.duration_minutes", "时长", "Duration"),
    ("today.field.next_step", "下一步", "Next step"),
    ("today.field.next_step_on", "下一步日期", "Next step due"),
    ("today.field.cost", "费用", "Cost"),
    ("today.field.purpose", "目的", "Purpose"),
    ("today.field.occasion", "场合", "Occasion"),
    ("people.family", "家庭", "Family"),
    ("people.add_family", "添加家庭成员", "Add a family member"),
    ("people.relation", "关系", "Relation"),
    ("people.milestone", "大事", "Milestone"),
    ("people.add_milestone", "记录大事 / 删除", "Record a milestone / delete"),
    ("people.relations", "人际关系", "Relations"),
    ("people.add_relation", "添加关系", "Add a relation"),
    ("people.relation_kind", "关系类型", "Kind"),
    ("people.other_person", "对方", "The other person"),
    ("people.out_of_reach", "（不在您的范围内）", "(outside your reach)"),
    ("people.pipl", "个人信息保护", "Personal information (PIPL)"),
    ("people.pipl_export", "导出此人的全部信息（JSON）", "Export everything about this person (JSON)"),
    ("people.erase_reason", "删除原因（请求人、日期、渠道）", "Reason (who asked, when, how)"),
    ("people.erase", "删除个人信息", "Erase personal data"),
    ("referrals.title", "推荐关系", "Referrals"),
    (
        "referrals.help",
        "谁介绍了谁：老客户带来的新客户（滚雪球）。",
        "Who introduced whom: the snowball of customers bringing customers.",
    ),
    (
        "referrals.none",
        "还没有记录推荐关系。在联系人页面添加“推荐人”关系。",
        "No referrals yet. Add a “referred by” relation on a person's page.",
    ),
    ("referrals.introduced", "带来", "brought"),
    ("classification.title", "客户分级", "Customer classification"),
    ("classification.all_mine", "我负责的全部客户", "All customers in my reach"),
    ("classification.pareto", "二八分析", "Pareto (80/20)"),
    ("classification.no_turnover", "还没有填写营业额的客户。", "No customer has a turnover yet."),
    ("classification.top20", "前20%的客户", "The top 20% of customers"),
    ("classification.bring", "贡献了", "bring"),
    ("classification.of_turnover", "的营业额", "of the turnover"),
    ("classification.curve", "按客户数累计的营业额占比", "Cumulative share of turnover by share of customers"),
    ("classification.top", "前", "Top"),
    ("classification.suggestion", "分级建议", "Suggested classes"),
    (
        "classification.suggestion_help",
        "按评分排序：前20家为重点，其后20家为次重点，再后30家为非重点（数量可在规则中调整）。应用后作为手工定级记录原因。",
        "Ranked by score: the first 20 key, the next 20 secondary, the next 30 normal (the quota is a rule). Applying sets them by hand with your reason.",
    ),
    ("classification.default_reason", "按片区分级建议调整", "Territory suggestion applied"),
    ("classification.apply", "应用建议", "Apply the suggestion"),
    ("classification.now", "当前", "Now"),
    ("classification.suggested", "建议", "Suggested"),
    ("classification.rules", "分级规则", "Classification rules"),
    (
        "classification.rules_help",
        "评分 = 各项评级（1–5）按权重加权，折算为 0–100 分。保存后所有未手工定级的客户立即重新分级，变化记入操作日志。",
        "Score = the 1–5 ratings weighted, scaled to 0–100. Saving reclassifies every customer not set by hand at once; changes are audited.",
    ),
    ("classification.weights", "权重", "Weights"),
    (
        "classification.bands",
        "年营业额评级分档（元，达到即为该级）",
        "Turnover bands (yuan per year from which a customer rates)",
    ),
    ("classification.thresholds", "分级门槛（评分）", "Thresholds (score)"),
    ("classification.key_from", "重点客户从", "Key from"),
    ("classification.secondary_from", "次重点客户从", "Secondary from"),
    ("classification.quota", "每个片区建议的数量", "Quota suggested per territory"),
    ("classification.quota_key", "重点", "Key"),
    ("classification.quota_secondary", "次重点", "Secondary"),
    ("classification.quota_normal", "非重点", "Normal"),
    ("classification.save_rules", "保存规则并重新分级", "Save the rules and reclassify"),
    ("orphans.title", "孤儿客户", "Orphaned customers"),
    (
        "orphans.help",
        "负责人已停用或离职的客户。选择客户和新的负责人后重新分配；客户的历史记录随客户保留，每次分配记入操作日志。",
        "Customers whose rep is disabled or has left. Pick customers and a new owner; the history stays with the customer and each move is audited.",
    ),
    ("orphans.none", "没有待认养的客户。", "No orphaned customers."),
    ("orphans.pick_some", "请至少选择一个客户。", "Pick at least one customer."),
    ("orphans.new_owner", "新负责人", "New owner"),
    ("orphans.with_people", "连同这些单位的联系人一起分配", "Move the people of these organisations too"),
    ("orphans.reassign", "重新分配", "Reassign"),
    ("orphans.select_all", "全选", "Select all"),
    ("territories.title", "销售片区", "Sales territories"),
    (
        "territories.help",
        "片区把若干行政区划组合在一起，指定负责经理和业务员；用于客户筛选和分级建议。",
        "A territory groups administrative regions and names its manager and reps; it is used to filter customers and for the class suggestion.",
    ),
    ("territories.new", "新建片区", "New territory"),
    ("territories.regions", "包含地区", "Regions"),
    (
        "territories.regions_hint",
        "行政区划代码，空格分隔（省、市或区县均可，如 530100 为昆明市）。",
        "Region codes separated by spaces (province, city or county; 530100 is Kunming).",
    ),
    ("import.title", "导入导出", "Import & export"),
    ("import.people", "导入联系人", "Import people"),
    (
        "import.help",
        "上传 Excel（xlsx）或 CSV 文件（UTF-8 或 GBK 均可）。第一行为表头，系统按中英文表头自动对应字段；先预览，逐行列出错误和重复，确认后一次性导入——要么全部成功，要么一行也不写入。表中的单位不存在时会自动新建。",
        "Upload an Excel (xlsx) or CSV file (UTF-8 or GBK). The first row holds the headers, matched to fields from Chinese or English; you get a preview listing every row error and duplicate, then import in one go — every row or none. Organisations not found are created.",
    ),
    ("import.encoding", "文件编码", "Encoding"),
    ("import.auto", "自动识别", "Detect"),
    ("import.utf8", "UTF-8", "UTF-8"),
    ("import.gbk", "GBK / GB18030（中文 Excel 另存的 CSV）", "GBK / GB18030 (Chinese Excel's CSV)"),
    ("import.utf16", "UTF-16（Unicode 文本）", "UTF-16 (Unicode text)"),
    (
        "import.template",
        "下载模板（即当前联系人导出，表头可直接导入）",
        "Download a template (your people as exported; the headers import as they are)",
    ),
    ("import.export", "导出", "Export"),
    (
        "import.export_help",
        "导出您负责范围内的客户。CSV 为带 BOM 的 UTF-8，Excel 可直接打开；vCard 可导入手机通讯录。每次导出都记入操作日志。",
        "Exports the customers in your reach. CSV is UTF-8 with a BOM so Excel opens it; vCard goes into a phone's contacts. Every export is audited.",
    ),
    ("import.recent", "最近的导入", "Recent imports"),
    ("import.status_previewed", "待确认", "Previewed"),
    ("import.status_running", "导入中", "Importing"),
    ("import.status_done", "已完成", "Done"),
    ("import.status_failed", "失败（未写入）", "Failed (nothing written)"),
    ("import.running", "正在导入…", "Importing…"),
    ("import.done", "导入完成。", "Import finished."),
    (
        "import.failed",
        "导入失败，没有写入任何数据。请根据下面的错误修改文件后重新上传。",
        "The import failed and wrote nothing. Fix the file as the errors below say and upload it again.",
    ),
    ("import.created", "新建", "Created"),
    ("import.merged", "合并", "Merged"),
    ("import.skipped", "跳过", "Skipped"),
    ("import.orgs_created", "新建单位", "Organisations created"),
    ("import.file_problem", "文件无法读取", "The file cannot be read"),
    ("import.rows", "数据行", "Rows"),
    ("import.valid", "无误", "Valid"),
    ("import.errors", "错误", "Errors"),
    ("import.duplicates", "疑似重复", "Possible duplicates"),
    ("import.columns", "列对应", "Columns"),
    ("import.header", "表头", "Header"),
    ("import.read_as", "读作", "Read as"),
    ("import.ignore", "（忽略此列）", "(ignore)"),
    ("import.recheck", "按此对应重新检查", "Check again with these columns"),
    (
        "import.errors_help",
        "请在原表格中改正这些单元格后重新上传。",
        "Correct these cells in the spreadsheet and upload it again.",
    ),
    ("import.row", "行", "Row"),
    ("import.column", "列", "Column"),
    ("import.value", "内容", "Value"),
    ("import.reason", "问题", "Problem"),
    ("import.more_errors", "只列出前2000条错误。", "Only the first 2,000 errors are listed."),
    ("import.matches", "与之重复", "Matches"),
    ("import.by_phone", "电话相同", "Same phone"),
    ("import.by_name", "同一单位同名", "Same name at the same organisation"),
    ("import.new_orgs", "将新建的单位", "Organisations to be created"),
    ("import.commit", "确认导入", "Import"),
    ("import.on_duplicate", "疑似重复的行", "Rows that look like duplicates"),
    ("import.skip", "跳过（保留原记录）", "Skip (keep the record as it is)"),
    ("import.merge", "合并（只补充原记录的空白字段）", "Merge (fill only the record's empty fields)"),
    ("import.create", "仍然新建", "Create anyway"),
    ("import.commit_button", "导入", "Import"),
    ("column.name", "姓名", "Name"),
    ("column.gender", "性别", "Gender"),
    ("column.phone", "手机", "Phone"),
    ("column.other_phones", "其他电话", "Further phones"),
    ("column.wechat", "微信", "WeChat"),
    ("column.qq", "QQ", "QQ"),
    ("column.email", "邮箱", "E-mail"),
    ("column.address", "地址", "Address"),
    ("column.organisation", "单位", "Organisation"),
    ("column.organisation_kind", "单位类型", "Organisation type"),
    ("column.position", "职务", "Position"),
    ("column.birthday", "生日", "Birthday"),
    ("column.interests", "爱好", "Interests"),
    ("column.tastes", "口味", "Tastes"),
    ("column.gift_preferences", "喜欢的礼品", "Gift preferences"),
    ("column.taboos", "忌讳", "Taboos"),
    ("column.how_we_met", "如何结识", "How we met"),
    ("column.info_source", "信息来源", "Source"),
    ("column.legal_basis", "处理依据", "Legal basis"),
    ("column.notes", "备注", "Notes"),
    ("column.owner", "负责人", "Owner"),
    ("entity.import_batch", "导入", "Import"),
    ("action.import", "导入", "imported"),
];

static CATALOG_INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| CATALOG.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// A validation problem worded for a person.
pub fn problem(lang: Lang, p: &Problem) -> String {
    let zh = lang == Lang::Zh;
    match p {
        Problem::Required => {
            if zh {
                "必填".into()
            } else {
                "is required".into()
            }
        }
        Problem::TooLong { max } => {
            if zh {
                format!("不能超过 {max} 个字符")
            } else {
                format!("must be at most {max} characters")
            }
        }
        Problem::TooShort { min } => {
            if zh {
                format!("至少需要 {min} 个字符")
            } else {
                format!("must be at least {min} characters")
            }
        }
        Problem::ControlCharacters => {
            if zh {
                "包含不可见的控制字符".into()
            } else {
                "contains control characters".into()
            }
        }
        Problem::Invalid { expected } => {
            let what = match (*expected, zh) {
                ("phone", true) => "手机号或座机号（如 13812345678 或 0871-63123456）",
                ("phone", false) => "phone number (e.g. 13812345678 or 0871-63123456)",
                ("email", true) => "邮箱地址",
                ("email", false) => "e-mail address",
                ("username", true) => "用户名（小写字母、数字、. _ -）",
                ("username", false) => "username (lowercase letters, digits, . _ -)",
                ("wechat", true) => "微信号（6–20 位，字母开头）",
                ("wechat", false) => "WeChat id (6–20 characters, starting with a letter)",
                ("date", true) => "日期（YYYY-MM-DD）",
                ("date", false) => "date (YYYY-MM-DD)",
                ("birthday", true) => "生日（如 1980-08-15、08-15、农历8-15、闰6-1）",
                ("birthday", false) => "birthday (e.g. 1980-08-15, 08-15, 农历8-15, 闰6-1)",
                ("lunar date", true) => "农历月日（1–12月，1–30日）",
                ("lunar date", false) => "lunar month and day (months 1–12, days 1–30)",
                ("amount", true) => "金额（如 12,345.67、120万）",
                ("amount", false) => "amount (e.g. 12,345.67, 120万)",
                ("region code", true) => "行政区划代码（6位数字）",
                ("region code", false) => "region code (six digits)",
                ("month-day", true) => "月-日（如 06-18）",
                ("month-day", false) => "month-day (e.g. 06-18)",
                ("qq", true) => "QQ号（5–12位数字）",
                ("qq", false) => "QQ number (5–12 digits)",
                ("year", true) => "年份",
                ("year", false) => "year",
                ("month (YYYY-MM)", true) => "月份（YYYY-MM）",
                ("integer", true) => "整数",
                ("number of minutes", true) => "分钟数",
                ("time (HH:MM)", true) => "时间（HH:MM）",
                ("URL", true) => "网址（http:// 或 https:// 开头）",
                ("secret", true) => "密钥",
                ("template", true) => "模板（Jinja 语法，如 {{ address }}）",
                ("template", false) => "template (Jinja syntax, e.g. {{ address }})",
                ("agenda key", true) => "待办项标识",
                ("month", true) => "月份（如 2026-10）",
                ("month", false) => "month (e.g. 2026-10)",
                ("percentage", true) => "百分比（如 1.5）",
                ("whole number", true) => "整数",
                ("id", true) => "编号",
                ("integer", false) => "whole number",
                ("text in the chosen encoding (UTF-8 or GBK)", true) => "文本（UTF-8 或 GBK 编码）：请选择正确的编码",
                ("CSV or Excel file", true) => "CSV 或 Excel 文件",
                ("CSV", true) => "CSV 格式（引号未闭合？）",
                (other, _) => other,
            };
            if zh { format!("不是有效的{what}") } else { format!("is not a valid {what}") }
        }
        Problem::OutOfRange { min, max } => {
            if zh {
                format!("必须在 {min} 到 {max} 之间")
            } else {
                format!("must be between {min} and {max}")
            }
        }
        Problem::NotOneOf { allowed } => {
            if zh {
                format!("必须是以下之一：{}", allowed.join("、"))
            } else {
                format!("must be one of: {}", allowed.join(", "))
            }
        }
        Problem::Taken => {
            if zh {
                "已被占用".into()
            } else {
                "is already taken".into()
            }
        }
        Problem::UnknownReference => {
            if zh {
                "指向的记录不存在或无权访问".into()
            } else {
                "refers to a record that does not exist or is out of reach".into()
            }
        }
        Problem::Rule { rule } => match (*rule, zh) {
            ("password_equals_username", true) => "密码不能与用户名相同".into(),
            ("password_equals_username", false) => "must not be the username".into(),
            ("password_one_character", true) => "密码不能由同一个字符组成".into(),
            ("password_one_character", false) => "must not be one repeated character".into(),
            ("team_cycle", true) => "不能把团队放到它自己的下级之下".into(),
            ("team_cycle", false) => "would make the team its own ancestor".into(),
            ("in_the_future", true) => "不能晚于今天：还没发生的联系不能登记".into(),
            ("in_the_future", false) => "is after today: a contact cannot be logged before it happens".into(),
            ("too_long_ago", true) => "不能早于 2000-01-01".into(),
            ("too_long_ago", false) => "must not be before 2000-01-01".into(),
            ("person_or_organisation", true) => "请至少选择一位联系人或一家客户".into(),
            ("person_or_organisation", false) => "name at least one person or an organisation".into(),
            ("before_the_interaction", true) => "不能早于这次联系的日期".into(),
            ("before_the_interaction", false) => "must not be before the contact".into(),
            ("erased", true) => "此人的个人信息已按要求删除".into(),
            ("erased", false) => "this person's data was erased on request".into(),
            ("copy_paste", true) => "与已发给多人的祝福几乎相同：请改得更个人化，或确认后仍然发送".into(),
            ("copy_paste", false) => "is nearly the same as a greeting already sent to several people: make it personal, or confirm to send anyway".into(),
            ("digest_in_quiet_hours", true) => "日报时间落在免打扰时段内".into(),
            ("digest_in_quiet_hours", false) => "falls in your quiet hours".into(),
            ("snooze_range", true) => "须在明天到90天之内".into(),
            ("snooze_range", false) => "must be from tomorrow to 90 days on".into(),
            ("owner_disabled", true) => "该负责人已停用".into(),
            ("owner_disabled", false) => "this owner is disabled".into(),
            ("unknown_field", true) => "不是可接受的字段".into(),
            ("unknown_field", false) => "is not an accepted field".into(),
            ("wrong_password", true) => "密码不正确".into(),
            ("wrong_password", false) => "is not the current password".into(),
            ("password_unchanged", true) => "新密码不能与当前密码相同".into(),
            ("password_unchanged", false) => "must differ from the current password".into(),
            ("password_mismatch", true) => "两次输入的新密码不一致".into(),
            ("password_mismatch", false) => "does not match the new password".into(),
            ("last_admin", true) => "这是最后一位管理员，请先指定另一位管理员".into(),
            ("last_admin", false) => "is the last administrator; make someone else admin first".into(),
            ("not_in_notice", true) => "不属于该年度的节假日安排（只可为当年，或上年12月25日后的元旦假期）".into(),
            ("not_in_notice", false) => {
                "is not part of that year's notice (only that year, or New Year days from 25 December)".into()
            }
            ("wrong_year", true) => "与导入的年份不符".into(),
            ("wrong_year", false) => "is not the year being imported".into(),
            ("duplicate_row", true) => "重复出现".into(),
            ("duplicate_row", false) => "is listed twice".into(),
            ("holiday_year_not_loaded", true) => "该年度的节假日安排尚未导入，请先导入或手工建立该年度".into(),
            ("holiday_year_not_loaded", false) => {
                "that year's notice is not loaded: import it or start the year by hand first".into()
            }
            ("day_in_other_notice", true) => "该日已属于另一年度的安排".into(),
            ("day_in_other_notice", false) => "already belongs to another year's notice".into(),
            ("no_such_lunar_date", true) => "不存在的农历日期".into(),
            ("no_such_lunar_date", false) => "is not a date of that lunar year".into(),
            ("birth_year_range", true) => "出生年份应在1900至2100之间".into(),
            ("birth_year_range", false) => "the year of birth must be between 1900 and 2100".into(),
            ("finer_than_a_fen", true) => "金额最多精确到分".into(),
            ("finer_than_a_fen", false) => "amounts go down to the fen, no further".into(),
            ("too_many_tags", true) => "标签不能超过20个".into(),
            ("too_many_tags", false) => "at most 20 tags".into(),
            ("too_many_phones", true) => "其他电话不能超过10个".into(),
            ("too_many_phones", false) => "at most 10 further phones".into(),
            ("person_erased", true) => "该联系人的个人信息已删除，不能再编辑".into(),
            ("person_erased", false) => "this person's data was erased; it cannot be edited".into(),
            ("self_relation", true) => "不能与自己建立关系".into(),
            ("self_relation", false) => "a person cannot be related to themself".into(),
            ("classification_rules", true) => {
                "分级规则不合理（权重至少一个大于0，营业额分档递增，门槛 0 ≤ 次重点 ≤ 重点 ≤ 100）".into()
            }
            ("classification_rules", false) => {
                "the rules do not add up (a weight above 0, increasing bands, 0 ≤ secondary ≤ key ≤ 100)".into()
            }
            ("too_many", true) => "数量过多".into(),
            ("too_many", false) => "too many".into(),
            ("range_too_long", true) => "时间跨度不能超过10年".into(),
            ("range_too_long", false) => "the range may span at most 10 years".into(),
            ("formula_cell", true) => "是公式：请在表格中复制后“选择性粘贴为数值”再导入".into(),
            ("formula_cell", false) => "is a formula: paste it as values in the spreadsheet, then import".into(),
            ("no_name_column", true) => "没有对应“姓名”的列".into(),
            ("no_name_column", false) => "no column is mapped to the name".into(),
            ("column_twice", true) => "同一字段对应了两列".into(),
            ("column_twice", false) => "one field is mapped to two columns".into(),
            ("empty_file", true) => "文件是空的（没有表头行）".into(),
            ("empty_file", false) => "the file is empty (no header row)".into(),
            ("import_has_errors", true) => {
                "预览中还有错误：请修改文件后重新上传，导入要么全部成功，要么一行也不写入".into()
            }
            ("import_has_errors", false) => {
                "the preview still shows errors: fix the file and upload it again; an import writes every row or none"
                    .into()
            }
            ("import_not_previewable", true) => "该批次已导入或正在导入".into(),
            ("import_not_previewable", false) => "this batch is already imported or importing".into(),
            ("import_file_gone", true) => "上传的文件已删除（导入完成或超过一天），请重新上传".into(),
            ("import_file_gone", false) => {
                "the uploaded file is gone (imported, or older than a day): upload it again".into()
            }
            ("export_too_large", true) => "超过50万行，请先筛选".into(),
            ("export_too_large", false) => "more than 500,000 rows: filter first".into(),
            ("not_filed", true) => "尚未提交，不能签字".into(),
            ("not_filed", false) => "is not filed yet: nothing to sign".into(),
            ("already_approved", true) => "三方已签字完成".into(),
            ("already_approved", false) => "is already signed by all three".into(),
            ("own_statement", true) => "不能签自己的统计表或申请".into(),
            ("own_statement", false) => "nobody signs their own statement or application".into(),
            ("one_signature_each", true) => "同一人只能签一个环节".into(),
            ("one_signature_each", false) => "one person signs one step only".into(),
            ("awaits_clerk", true) => "按顺序须先由销售文员检核签字".into(),
            ("awaits_clerk", false) => "the sales clerk signs first".into(),
            ("awaits_manager", true) => "现在等待销售部经理检核签字".into(),
            ("awaits_manager", false) => "the sales manager signs next".into(),
            ("awaits_finance", true) => "现在等待财务部检核签字".into(),
            ("awaits_finance", false) => "finance signs next".into(),
            ("negative_needs_correction", true) => "负数金额只能用于更正已签字的记录".into(),
            ("negative_needs_correction", false) => "a negative amount is only for correcting a signed entry".into(),
            ("missing_column", true) => "文件中缺少这一列".into(),
            ("missing_column", false) => "this column is missing from the file".into(),
            ("ambiguous_name", true) => "有多家同名客户，请改用“客户ID”列".into(),
            ("ambiguous_name", false) => "several customers have this name; use the 客户ID column".into(),
            ("correction_in_a_later_month", true) => "更正须记在原记录之后的月份".into(),
            ("correction_in_a_later_month", false) => "a correction goes in a month after the entry it corrects".into(),
            ("use_application", true) => "新客户特殊费用请用《新客户特殊费用申请表》（附表3）申请".into(),
            ("use_application", false) => "a new-customer special expense is applied for on its own form (附表3)".into(),
            ("needs_override", true) => "有现金给个人的费用尚未经财务特批（商业贿赂风险）".into(),
            ("needs_override", false) => {
                "has cash to an individual that finance has not overridden (commercial bribery risk)".into()
            }
            ("statement_locked", true) => "统计表已提交检核，不能修改；如需修改请让检核人退回".into(),
            ("statement_locked", false) => "the statement is being checked; ask a checker to return it first".into(),
            ("not_approved", true) => "统计表尚未三方签字，无效".into(),
            ("not_approved", false) => "the statement is not signed by all three: not valid".into(),
            ("evidence_required", true) => "兑付须附凭证（收据照片或文件）".into(),
            ("evidence_required", false) => "a payout needs evidence (a receipt photo or file)".into(),
            ("not_collected", true) => "该客户尚未回款，新客户特殊费用回款后才能兑付".into(),
            ("not_collected", false) => "the customer has not paid yet; the special expense is paid after collection".into(),
            ("already_paid", true) => "已兑付".into(),
            ("already_paid", false) => "is already paid out".into(),
            ("use_not_allowed", true) => "该品种的客情费不允许此用途".into(),
            ("use_not_allowed", false) => "is not an allowed use of this product line's expense".into(),
            ("not_a_customer_person", true) => "此人不属于该客户".into(),
            ("not_a_customer_person", false) => "does not work at that organisation".into(),
            ("no_override_needed", true) => "该笔费用无需特批".into(),
            ("no_override_needed", false) => "needs no override".into(),
            ("ledger_locked", true) => "该月已有财务签字的统计表，台账不能再改：请在下月录入调整".into(),
            ("ledger_locked", false) => "a statement of that month is signed by finance; enter an adjustment next month".into(),
            ("not_paid_out", true) => "尚未兑付，不能抽查".into(),
            ("not_paid_out", false) => "nothing is paid out yet to spot-check".into(),
            ("month_not_over", true) => "该月尚未结束，下月初再提交".into(),
            ("month_not_over", false) => "the month is not over yet; file it next month".into(),
            ("file_too_large", true) => "文件过大".into(),
            ("file_too_large", false) => "the file is too large".into(),
            ("edited_meanwhile", true) => "保存前已有人修改了该记录，下面是最新内容，请核对后再保存".into(),
            ("edited_meanwhile", false) => {
                "someone saved this record meanwhile; here are their values, check and save again".into()
            }
            (other, _) => other.to_owned(),
        },
        Problem::UnknownName { name, allowed } => {
            if zh {
                format!("用到了未知的字段“{name}”，可用的有：{}", allowed.join("、"))
            } else {
                format!("uses the unknown field “{name}”; known: {}", allowed.join(", "))
            }
        }
        Problem::OverLimit { rule, limit_fen, remaining_fen } => {
            let (limit, left) = (keqing_core::money::format_yuan(*limit_fen), keqing_core::money::format_yuan(*remaining_fen));
            match (*rule, zh) {
                ("advance_limit", true) => format!("超过借支限额：未结清借支最多¥{limit}，还可借¥{left}"),
                ("advance_limit", false) => format!("is over the advance limit of ¥{limit} outstanding; ¥{left} left"),
                ("cap_per_occasion", true) => format!("超过每人每次上限¥{limit}：此人此次还可¥{left}"),
                ("cap_per_occasion", false) => {
                    format!("is over the cap of ¥{limit} per person and occasion; ¥{left} left for this person")
                }
                ("cap_per_year", true) => format!("超过每人每年上限¥{limit}：此人今年还可¥{left}"),
                ("cap_per_year", false) => format!("is over the cap of ¥{limit} per person and year; ¥{left} left this year"),
                ("over_payable", true) => format!("超过该客户本月可兑现客情费¥{limit}：还可分配¥{left}"),
                ("over_payable", false) => format!("is more than the customer's payable ¥{limit} this month; ¥{left} left"),
                ("over_statement", true) => format!("超过已批准统计表可兑付金额¥{limit}：还可借¥{left}"),
                ("over_statement", false) => format!("is more than the approved statement's ¥{limit}; ¥{left} left"),
                ("over_advance", true) => format!("超过未结清借支：还有¥{left}未兑付"),
                ("over_advance", false) => format!("is more than the advance outstanding; ¥{left} left"),
                (other, true) => format!("超过上限¥{limit}（{other}），还可¥{left}"),
                (other, false) => format!("is over the limit of ¥{limit} ({other}); ¥{left} left"),
            }
        }
        Problem::SinceDate { rule, date } => match (*rule, zh) {
            ("after_contract", true) => format!("合同已于{date}签订：新客户特殊费用须在签订合同前申请，签订后申请一律无效"),
            ("after_contract", false) => {
                format!("the contract was signed on {date}: a new-customer special expense must be applied for before signing")
            }
            ("advances_from", true) => format!("借支从第9个工作日（{date}）开始"),
            ("advances_from", false) => format!("advances open on the 9th working day ({date})"),
            ("locked_after_finance", true) => format!("财务已于{date}签字，金额不能再改：请另录一笔更正"),
            ("locked_after_finance", false) => {
                format!("finance signed on {date}; amounts cannot change: enter a correction instead")
            }
            (other, _) => format!("{other} ({date})"),
        },
        Problem::InRow { value, problem: inner } => {
            if zh {
                format!("“{value}”{}", problem(lang, inner))
            } else {
                format!("{value:?} {}", problem(lang, inner))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr;q=1, zh-TW;q=0.5"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("zh-CN;q=0.4,en;q=0.6"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }

    #[test]
    fn catalog_keys_are_unique_and_complete() {
        let mut seen = HashSet::new();
        for (k, zh, en) in CATALOG {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} has an empty text");
        }
    }

    /// Every `c.t("…")` in a template must be in the catalog.
    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("c.t(\"").skip(1) {
                let key = &piece[..piece.find('"').unwrap()];
                if !CATALOG_INDEX.contains_key(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing translations: {missing:#?}");
    }

    #[test]
    fn problems_are_worded_in_both_languages() {
        let p = Problem::TooLong { max: 100 };
        assert_eq!(problem(Lang::Zh, &p), "不能超过 100 个字符");
        assert_eq!(problem(Lang::En, &p), "must be at most 100 characters");
    }
}
