"""Labels of the member-activity screens: the annual plan, an activity, its plan form, the
sign-up and check-in desks and the evaluation (活动总结)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "activities.menu": ("会员活动", "Member activities"),
    "activities.plan_title": ("{year} 年度活动计划", "Activities planned for {year}"),
    "activities.year": ("年份（如 2027），回车刷新", "Year (e.g. 2027), Enter to reload"),
    "activities.store": (
        "门店代码（留空：全公司可见的活动）",
        "Store code (blank: every activity you may see)",
    ),
    "activities.states": (
        "计划 {draft}，已提交 {submitted}，已批准 {approved}，进行中 {running}，已结束 {done}，"
        "已取消 {cancelled}；预算合计 {budget}",
        "planned {draft}, submitted {submitted}, approved {approved}, running {running}, "
        "done {done}, cancelled {cancelled}; budget {budget}",
    ),
    "activities.plans_waiting": (
        "{n} 个活动计划待您审批（F4 活动计划）",
        "{n} activity plans wait for your approval (F4 to see them)",
    ),
    "activities.none": ("这一年没有活动", "No activities in this year"),
    "activities.month": ("{month} 月", "Month {month}"),
    "activities.col.month": ("月份", "Month"),
    "activities.col.code": ("编号", "Code"),
    "activities.col.state": ("状态", "State"),
    "activities.col.starts": ("开始", "Starts"),
    "activities.col.kind": ("类型", "Type"),
    "activities.col.theme": ("主题", "Theme"),
    "activities.col.store": ("门店", "Store"),
    "activities.col.places": ("名额", "Places"),
    "activities.col.member": ("会员", "Member"),
    "activities.col.status": ("报名状态", "Sign-up"),
    "activities.col.checked_in": ("签到", "Checked in"),
    "activities.head_office": ("总部", "head office"),
    # States (the annual plan calls a draft "planned")
    "activities.state.draft": ("计划中", "planned"),
    "activities.state.submitted": ("已提交审批", "submitted"),
    "activities.state.approved": ("已批准", "approved"),
    "activities.state.running": ("进行中", "running"),
    "activities.state.done": ("已结束", "done"),
    "activities.state.cancelled": ("已取消", "cancelled"),
    "activities.signup.confirmed": ("已报名", "confirmed"),
    "activities.signup.waitlisted": ("候补", "waitlisted"),
    "activities.signup.cancelled": ("已取消", "cancelled"),
    # Kinds
    "activities.kind.new_product_launch": ("新品发布会", "New-product launch"),
    "activities.kind.members_promotion": ("会员专享促销", "Members' promotion"),
    "activities.kind.themed_experience": ("主题体验活动", "Themed experience"),
    "activities.kind.birthday_party": ("会员生日会", "Birthday party"),
    "activities.kind.trip": ("会员旅游", "Trip"),
    "activities.kind.presidents_meeting": ("总裁见面会", "President's meeting"),
    "activities.kind.other": ("其他", "Other"),
    # The activity
    "activities.title": ("活动 {code}：{theme}", "Activity {code}: {theme}"),
    "activities.detail.state": ("状态：{state}　类型：{kind}", "State: {state}  Type: {kind}"),
    "activities.detail.time": ("时间：{starts} – {ends}", "Time: {starts} – {ends}"),
    "activities.detail.place": ("地点：{place}", "Place: {place}"),
    "activities.detail.places": (
        "名额 {capacity}（已报名 {taken}）　预算 {budget}　参与积分 {points}",
        "Places {capacity} ({taken} taken)  Budget {budget}  Points {points}",
    ),
    "activities.detail.eligible": (
        "可参加等级：{tiers}　门店：{stores}　优先等级：{priority}",
        "Tiers: {tiers}  Stores: {stores}  Priority tiers: {priority}",
    ),
    "activities.detail.windows": (
        "报名：优先 {priority} 起，全体 {opens} 起，{closes} 截止；{cancel} 前可取消",
        "Sign-up: priority from {priority}, everyone from {opens}, until {closes}; "
        "cancel until {cancel}",
    ),
    "activities.detail.people": (
        "策划 {planner}；审批 {approver} {approved}",
        "Planned by {planner}; approved by {approver} {approved}",
    ),
    "activities.detail.counts": (
        "邀请 {invited}（优先 {priority}，已排队 {queued}，不可发送 {skipped}，待发 {pending}）；"
        "报名 {confirmed}，候补 {waitlisted}，取消 {cancelled}，签到 {checked_in}，"
        "缺席 {no_shows}，积分 {points}",
        "Invited {invited} ({priority} priority, {queued} queued, {skipped} not sendable, "
        "{pending} pending); signed up {confirmed}, waitlisted {waitlisted}, cancelled "
        "{cancelled}, checked in {checked_in}, no-shows {no_shows}, points {points}",
    ),
    "activities.detail.counts_legend": (
        "<{minimum}：少于 {minimum} 人，或可据以推算这样的人数（仅活动的策划、审批者和举办门店店长看到确数）",
        "<{minimum}: fewer than {minimum} members, or a figure that would show such a group "
        "(exact counts: the planner, the approving managers and the holding store's manager)",
    ),
    "activities.detail.cancelled": ("已于 {at} 取消：{reason}", "Cancelled {at}: {reason}"),
    "activities.detail.actual_cost": ("实际费用：{cost}", "Actual cost: {cost}"),
    "activities.detail.content": ("内容：{content}", "Content: {content}"),
    "activities.detail.change": (
        "{at} {staff}：{field} {old} → {new}{after}",
        "{at} {staff}: {field} {old} → {new}{after}",
    ),
    "activities.detail.after_approval": ("（批准后修改）", " (after approval)"),
    "activities.all": ("全部", "all"),
    "activities.participants": ("报名名单（已遮蔽）", "Sign-ups (masked)"),
    "activities.no_participants": ("没有您可查看的报名", "No sign-ups you may see"),
    # Confirmations
    "activities.confirm_submit": (
        "将活动 {code} 提交审批？",
        "Submit activity {code} for approval?",
    ),
    "activities.confirm_approve": (
        "批准活动 {code}「{theme}」？批准后即可发出邀请。",
        "Approve activity {code} ({theme})? Invitations may then go out.",
    ),
    "activities.confirm_invite": (
        "向活动 {code} 的所有符合条件的会员发出邀请？",
        "Invite every eligible member to activity {code}?",
    ),
    "activities.confirm_close": (
        "结束活动 {code}「{theme}」？未签到的报名者记为缺席，参加者将收到满意度短信。",
        "Close activity {code} ({theme})? Members who did not check in are recorded as "
        "no-shows and the participants are sent the satisfaction survey.",
    ),
    "activities.confirm_cancel": (
        "取消活动 {code}？所有已报名和候补的会员都会收到通知，且无法恢复。",
        "Cancel activity {code}? Everyone signed up or waitlisted is told; it cannot be undone.",
    ),
    "activities.confirm_cancel_signup": (
        "取消 {ref} 在活动 {code} 的报名？空出的名额会给候补第一位。",
        "Cancel the sign-up of {ref} for {code}? A freed place goes to the waitlist's first.",
    ),
    "activities.close_button": ("结束活动", "Close activity"),
    "activities.cancel_button": ("取消活动", "Cancel the activity"),
    "activities.cancel_signup_button": ("取消报名", "Cancel sign-up"),
    "activities.closed": (
        "活动 {code} 已结束：签到 {checked_in} 人，缺席 {no_shows} 人",
        "Activity {code} closed: {checked_in} checked in, {no_shows} no-shows",
    ),
    "activities.returned": (
        "活动 {code} 已退回策划人修改",
        "Activity {code} returned to its planner",
    ),
    "activities.cancelled": (
        "活动 {code} 已取消，已通知 {told} 条",
        "Activity {code} cancelled, {told} messages to those signed up",
    ),
    "activities.cost_title": ("记录活动 {code} 的实际费用", "What activity {code} cost"),
    "activities.field.actual_cost": (
        "实际费用（元，如 7450.50），回车记录",
        "Actual cost in yuan (e.g. 7450.50), then Enter",
    ),
    "activities.cost_recorded": (
        "活动 {code} 的实际费用 {cost} 已记录",
        "{code}: cost {cost} recorded",
    ),
    "activities.return_title": ("退回活动 {code} 的计划", "Return the plan of {code}"),
    "activities.cancel_title": ("取消活动 {code}", "Cancel activity {code}"),
    "activities.field.return_reason": (
        "退回原因（策划人需要修改什么），Ctrl+S 退回",
        "What the planner should change, then Ctrl+S",
    ),
    "activities.field.cancel_reason": (
        "取消原因（会记录在活动上），Ctrl+S 取消活动",
        "Why the activity is cancelled (recorded on it), then Ctrl+S",
    ),
    "activities.submit_button": ("提交审批", "Submit"),
    "activities.approve_button": ("批准", "Approve"),
    "activities.invite_button": ("发出邀请", "Invite"),
    "activities.submitted": ("活动 {code} 已提交审批", "Activity {code} submitted for approval"),
    "activities.approved": ("活动 {code} 已批准", "Activity {code} approved"),
    "activities.invited": (
        "{code}：新邀请 {written} 人，已排队短信/邮件 {messages} 条，{skipped} 人无法发送",
        "{code}: {written} members invited now, {messages} messages queued, "
        "{skipped} could not be sent",
    ),
    # The plan form
    "activities.form_new": ("新活动计划", "New activity plan"),
    "activities.form_edit": ("修改活动 {code} 的计划", "Change the plan of activity {code}"),
    "activities.form_hint": (
        "时间按本地时间填写，如 2026-04-18 14:00；Ctrl+S 保存",
        "Local times such as 2026-04-18 14:00; Ctrl+S saves",
    ),
    "activities.field.kind": ("类型", "Type"),
    "activities.field.theme": ("主题（如 春季新品品鉴会）", "Theme (e.g. spring tasting)"),
    "activities.field.starts": ("开始时间", "Starts"),
    "activities.field.ends": ("结束时间", "Ends"),
    "activities.field.store": (
        "举办门店代码（总部留空；店长：本店）",
        "Store holding it (blank: head office; a store manager: theirs)",
    ),
    "activities.field.place": ("地点（不在门店时填写）", "Place (when not at the store)"),
    "activities.field.capacity": ("名额", "Places"),
    "activities.field.budget": ("预算（元）", "Budget (yuan)"),
    "activities.field.tiers": (
        "可参加等级，如 silver,gold（留空：全部）",
        "Eligible tiers, e.g. silver,gold (blank: all)",
    ),
    "activities.field.stores": (
        "可参加门店代码（留空：全部）",
        "Eligible stores' codes (blank: all)",
    ),
    "activities.field.priority_opens": ("优先等级报名开始", "Priority sign-up opens"),
    "activities.field.signup_opens": ("全体报名开始（留空：现在）", "Sign-up opens (blank: now)"),
    "activities.field.signup_closes": ("报名截止（留空：开始时）", "Sign-up closes (blank: start)"),
    "activities.field.cancel_until": ("取消报名截止", "Cancel until"),
    "activities.field.points": ("参与积分", "Points for taking part"),
    "activities.field.channels": ("邀请渠道 sms / email / sms,email", "Channels sms, email"),
    "activities.field.content": ("活动内容", "Content (the programme)"),
    "activities.saved": ("活动 {code} 已保存（{state}）", "Activity {code} saved ({state})"),
    "activities.nothing_changed": ("没有修改", "Nothing changed"),
    # Sign-up and check-in desks
    "activities.signup_title": ("为活动 {code} 报名", "Sign members up for {code}"),
    "activities.checkin_title": ("活动 {code} 签到台", "Check-in desk of {code}"),
    "activities.cancel_signup_title": ("取消活动 {code} 的报名", "Cancel sign-ups for {code}"),
    "activities.signup_cancelled": (
        "{who}：已取消 {code} 的报名",
        "{who}: sign-up for {code} cancelled",
    ),
    "activities.member_ref": (
        "刷会员卡或输入卡号/会员号，回车",
        "Scan the card or type the card or member number, then Enter",
    ),
    "activities.signed_up": ("{who}：已报名 {code}", "{who}: has a place at {code}"),
    "activities.waitlisted": (
        "{who}：已加入 {code} 候补，第 {position} 位",
        "{who}: on the waitlist of {code}, number {position}",
    ),
    "activities.already_signed_up": ("（之前已报名）", " (already signed up)"),
    "activities.checked_in": (
        "{who}：签到成功，获得 {points} 积分",
        "{who}: checked in, {points} points",
    ),
    "activities.already_checked_in": (
        "{who}：已于 {at} 签到过，不再计分",
        "{who}: already checked in at {at}, no more points",
    ),
    "activities.checked_in_count": ("本次已签到 {n} 人", "{n} checked in at this desk"),
    "activities.score_title": ("记录活动 {code} 的满意度", "Satisfaction scores of {code}"),
    "activities.field.score": (
        "满意度 1（差）至 5（非常满意），回车记录",
        "Score from 1 (poor) to 5 (excellent), then Enter",
    ),
    "activities.score_recorded": (
        "{who}：已记录满意度 {score}",
        "{who}: score {score} recorded",
    ),
    # The evaluation
    "activities.report_title": ("{year} 年活动总结", "Activities of {year}: evaluations"),
    "activities.report_none": (
        "这一年还没有开始过的活动",
        "No activity of this year has started yet",
    ),
    "activities.evaluation_title": ("活动总结 {code}：{theme}", "Evaluation of {code}: {theme}"),
    "activities.eval.people": (
        "邀请 {invited}，报名 {signed_up}（报名率 {take_up}），候补 {waitlisted}",
        "Invited {invited}, signed up {signed_up} (take-up {take_up}), waitlisted {waitlisted}",
    ),
    "activities.eval.attendance": (
        "参加 {participants}，缺席 {no_shows}（到场率 {attendance}）",
        "Took part {participants}, no-shows {no_shows} (attendance {attendance})",
    ),
    "activities.eval.satisfaction": (
        "满意度 {mean}（{responses} 份回复；各分数人数 {scores}）",
        "Satisfaction {mean} ({responses} responses; by score {scores})",
    ),
    "activities.eval.windows": (
        "消费对比：活动前 {before_from} – {starts}，活动后 {ends} – {after_until}{so_far}",
        "Spend: before {before_from} – {starts}, after {ends} – {after_until}{so_far}",
    ),
    "activities.eval.so_far": ("（活动后 30 天未满，为目前数据）", " (so far: 30 days not passed)"),
    "activities.eval.took_part": (
        "参加者 {members} 人：人均活动前 {before}，活动后 {after}，变化 {change}",
        "{members} participants: per member {before} before, {after} after, change {change}",
    ),
    "activities.eval.compared": (
        "同等级同门店受邀未参加者 {members} 人：人均活动前 {before}，活动后 {after}，变化 {change}",
        "{members} invited non-participants of the same tiers and stores: {before} before, "
        "{after} after, change {change}",
    ),
    "activities.eval.lift": (
        "参加者人均消费提升（扣除对照组变化）：{lift}{left_out}",
        "Spend lift per participant (less the comparison's change): {lift}{left_out}",
    ),
    "activities.eval.left_out": (
        "（{n} 个等级/门店组对照人数不足，未计入）",
        " ({n} tier/store groups without enough to compare left out)",
    ),
    "activities.eval.cost": (
        "预算 {budget}：每名额 {per_place}（{capacity} 个），每位参加者 {per_participant}；"
        "积分 {points}",
        "Budget {budget}: {per_place} per place ({capacity}), {per_participant} per "
        "participant; points {points}",
    ),
    "activities.eval.actual_over": (
        "实际费用 {cost}：每位参加者 {per_participant}；超出预算 {difference}",
        "Actual cost {cost}: {per_participant} per participant; {difference} over the budget",
    ),
    "activities.eval.actual_under": (
        "实际费用 {cost}：每位参加者 {per_participant}；低于预算 {difference}",
        "Actual cost {cost}: {per_participant} per participant; {difference} under the budget",
    ),
    "activities.eval.legend": (
        "<{minimum}：少于 {minimum} 人的组；已隐藏：该组的合计，或为防止推算而隐藏的数；-：无法计算",
        "<{minimum}: a group of fewer than {minimum}; hidden: such a group's sum, or a figure "
        "hidden so that none can be worked out; -: nothing to compute",
    ),
    "activities.eval.hidden": ("已隐藏", "hidden"),
    # Keys
    "key.Activities": ("会员活动", "Activities"),
    "key.Open": ("打开", "Open"),
    "key.New plan": ("新计划", "New plan"),
    "key.Edit plan": ("修改计划", "Edit plan"),
    "key.Submit plan": ("提交审批", "Submit plan"),
    "key.Approve plan": ("批准", "Approve plan"),
    "key.Invite": ("发出邀请", "Invite"),
    "key.Sign up": ("报名", "Sign up"),
    "key.Check-in desk": ("签到台", "Check-in desk"),
    "key.Evaluation": ("活动总结", "Evaluation"),
    "key.Score": ("满意度", "Score"),
    "key.Record score": ("记录", "Record score"),
    "key.Save plan": ("保存", "Save plan"),
    "key.Close activity": ("结束活动", "Close activity"),
    "key.Return plan": ("退回计划", "Return plan"),
    "key.Cancel activity": ("取消活动", "Cancel activity"),
    "key.Cancel sign-up": ("取消报名", "Cancel sign-up"),
    "key.Save reason": ("确定", "Confirm"),
    "key.Record cost": ("记录费用", "Record cost"),
    "key.Year report": ("年度总结", "Year report"),
}
