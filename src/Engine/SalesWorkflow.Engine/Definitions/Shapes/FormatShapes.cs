namespace SalesWorkflow.Engine.Definitions.Shapes;

/// <summary>
/// The YAML format, version 1: every key the loader accepts, its type and its documentation. The loader checks
/// documents against these shapes, <c>salesflow schema</c> turns them into the shipped JSON Schema, and a test checks
/// that docs/yaml-reference.md mentions every key.
/// </summary>
internal static class FormatShapes
{
    public const int FormatVersion = 1;

    public static readonly string[] Kinds = ["process", "rule-pack", "process-tests", "deal", "organisation", "crm-mapping"];

    public static readonly string[] BuiltInRiskCategories = ["market", "customer", "team"];

    public static readonly string[] NotifyRoles = ["owner", "manager", "director"];

    private static readonly ScalarShape FormatValue = new(ScalarType.Integer, "Format version of the file; this version of SalesWorkflow reads format 1.");
    private static readonly ScalarShape Text = new(ScalarType.Text, "Text.");
    private static readonly ScalarShape Id = new(ScalarType.Id, "An id: lower-case letters, digits and single hyphens, starting with a letter.");
    private static readonly ScalarShape Reference = new(ScalarType.Reference, "An id, or `alias.id` for an item of an imported rule pack.");
    private static readonly ScalarShape Condition = new(ScalarType.Condition, "A condition over the deal's facts (see docs/conditions.md).");
    private static readonly ScalarShape DurationValue = new(ScalarType.Duration, "A duration: `30m`, `36h`, `14d`, `2w`, `1d12h`, or `5bd` for business days.");
    private static readonly ScalarShape Bool = new(ScalarType.Boolean, "`true` or `false`.");
    private static readonly ScalarShape DateValue = new(ScalarType.Date, "A date, `yyyy-mm-dd`.");
    private static readonly ScalarShape DateTimeValue = new(ScalarType.DateTime, "An ISO 8601 time with offset, or a date (midnight UTC).");
    private static readonly ScalarShape Amount = new(ScalarType.Number, "An amount of money in the process currency.") { Minimum = 0 };
    private static readonly ScalarShape Count = new(ScalarType.Integer, "A whole number.") { Minimum = 0 };

    /// <summary>Text in one language, or a mapping from language code to text.</summary>
    public static readonly AnyOfShape Localized = new(
        "Text for people: a single string, or one string per language (`en: …`, `zh: …`).",
        new ScalarShape(ScalarType.Text, "Text in the process's main language."),
        new MapShape(Text, "One text per language.", "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "a language code such as `en` or `zh`"));

    public static readonly ObjectShape CustomField = new ObjectShape("custom field", "A fact field the process adds to the built-in ones; conditions read it like a built-in field.")
        .Required("id", new ScalarShape(ScalarType.FieldId, "The field name used in conditions, camelCase (e.g. `budgetConfirmed`)."), "Name used in conditions, such as `Opportunity.budgetConfirmed`.")
        .Required("on", new ScalarShape(ScalarType.Enum, "Which fact carries the field.") { Values = ["opportunity", "account", "contact"] }, "The fact that carries the field.")
        .Required("type", new ScalarShape(ScalarType.Enum, "The field's type.") { Values = ["string", "number", "bool", "date", "enum"] }, "The field's type.")
        .Optional("values", new ListShape(Id, "The allowed values of an `enum` field."), "Allowed values; required for `type: enum`.")
        .Optional("name", Localized, "Display name.")
        .Optional("description", Localized, "What the field means and who fills it in.");

    public static readonly ObjectShape ChecklistItem = new ObjectShape("checklist item", "A task the rep ticks off in a stage; required items are reported when missing.")
        .Required("id", Id, "Unique within the stage.")
        .Required("text", Localized, "What to do.")
        .Optional("required", Bool, "Whether leaving the stage needs it done (default `true`).");

    public static readonly ObjectShape ExitCriterion = new ObjectShape("exit criterion", "A condition a deal must meet to leave the stage forward.")
        .Required("id", Id, "Unique within the process (or rule pack).")
        .Optional("description", Localized, "What the criterion checks, in words a rep understands.")
        .Optional("when", Condition, "The condition that must hold.")
        .Optional("use", Reference, "Reuse a criterion of an imported rule pack: `alias.criterion-id`.")
        .OneOf("when", "use");

    public static readonly ObjectShape StageTask = new ObjectShape("stage task", "A task created when a deal enters the stage.")
        .Required("id", Id, "Unique within the stage.")
        .Required("title", Localized, "What to do.")
        .Optional("due", DurationValue, "How long after entering the stage the task is due.")
        .Optional("assignee", new ScalarShape(ScalarType.Id, "Who does it: `owner`, `manager`, `director`, or another role id."), "Who does it (default `owner`).");

    public static readonly ObjectShape Stage = new ObjectShape("stage", "One step of the sales process.")
        .Required("id", Id, "Unique within the process; used in transitions, escalations and reports.")
        .Required("name", Localized, "Display name.")
        .Optional("description", Localized, "What this stage is for.")
        .Optional("kind", new ScalarShape(ScalarType.Enum, "Whether the deal is still open, won or lost in this stage.") { Values = ["open", "won", "lost"] }, "`open` (default), `won` or `lost`.")
        .Optional("probability", new ScalarShape(ScalarType.Number, "Default win probability of a deal in this stage.") { Minimum = 0, Maximum = 1, RangeCode = Diagnostics.DiagnosticIds.ProbabilityOutOfRange }, "Default win probability from 0 to 1 (required for open stages; won 1, lost 0 by default).")
        .Optional("norms", Localized, "Operating norms: how reps work in this stage.")
        .Optional("checklist", new ListShape(ChecklistItem, "Checklist items."), "Things the rep ticks off in this stage.")
        // Rule lists are bounded well above any real process (each rule costs compile time and, at worst, its share of
        // the evaluation budget): 100 criteria per stage, 1,000 risk rules, 500 escalations.
        .Optional("exitCriteria", new ListShape(ExitCriterion, "Exit criteria.", maxItems: 100), "Conditions a deal must meet to move forward (the stage gate; at most 100).")
        .Optional("tasks", new ListShape(StageTask, "Tasks created on entry."), "Tasks created when a deal enters the stage.")
        .Optional("canLose", Bool, "Whether a deal may be closed lost from this stage when `transitions.lostFromAnyStage` is false.");

    public static readonly ObjectShape LossReason = new ObjectShape("loss reason", "One reason a deal may be lost for.")
        .Required("id", Id, "Recorded with the loss.")
        .Optional("name", Localized, "Display name.");

    public static readonly ObjectShape Transitions = new ObjectShape("transition policy", "Which stage changes the process allows.")
        .Optional("allowSkip", Bool, "May a deal jump forward over stages (each skipped gate still applies; default `false`).")
        .Optional("allowBack", Bool, "May a deal move back to an earlier open stage (default `true`).")
        .Optional("lostFromAnyStage", Bool, "May a deal be closed lost from any open stage (default `true`).")
        .Optional("allowReopen", Bool, "May a lost deal be reopened (default `true`).")
        .Optional("autoAdvance", Bool, "Advance automatically as soon as the gate passes (default `false`).")
        .Optional("requireLossReason", Bool, "Must a loss name one of `lossReasons` (default `true`).")
        .Optional("lossReasons", new ListShape(LossReason, "The enumerated loss reasons."), "The reasons a deal can be lost for.");

    public static readonly ObjectShape EscalationTrigger = new ObjectShape("escalation trigger", "When the escalation starts.")
        .Optional("timeInStage", DurationValue, "Starts when a deal has been in one of the stages this long.")
        .Optional("condition", Condition, "Starts when this condition becomes true.")
        .OneOf("timeInStage", "condition");

    public static readonly ObjectShape EscalationLevel = new ObjectShape("escalation level", "One step of the escalation chain.")
        .Required("notify", new ScalarShape(ScalarType.Id, "Who is notified: `owner`, `manager`, `director`, or another role id."), "Who is notified at this level.")
        .Required("after", DurationValue, "How long after the trigger this level fires (`0m` for at once).")
        .Optional("message", Localized, "Message for this level (defaults to the escalation's message).");

    public static readonly ObjectShape Escalation = new ObjectShape("escalation", "A multi-level escalation (owner → manager → director).")
        .Required("id", Id, "Unique within the process.")
        .Optional("name", Localized, "Display name.")
        .Optional("stages", new ListShape(Id, "Stage ids."), "Stages where it applies (default: every open stage).")
        .Required("trigger", EscalationTrigger, "When the escalation starts.")
        .Required("levels", new ListShape(EscalationLevel, "Levels in order."), "The chain of people notified, in order.")
        .Optional("message", Localized, "What the notification says.");

    public static readonly ObjectShape RiskCategory = new ObjectShape("risk category", "A risk category beyond the built-in `market`, `customer` and `team`.")
        .Required("id", Id, "Used as `category:` of risk rules.")
        .Optional("name", Localized, "Display name.");

    public static readonly ObjectShape Risk = new ObjectShape("risk rule", "A condition that flags a risk on a deal.")
        .Required("id", Id, "Unique within the process (or rule pack).")
        .Optional("name", Localized, "Display name.")
        .Required("category", Id, "`market`, `customer`, `team` or a category declared in `riskCategories`.")
        .Required("severity", new ScalarShape(ScalarType.Enum, "How bad the risk is.") { Values = ["low", "medium", "high", "critical"] }, "`low`, `medium`, `high` or `critical`.")
        .Required("weight", new ScalarShape(ScalarType.Integer, "Points taken off the deal's 0–100 health score.") { Minimum = 0, Maximum = 100 }, "Points taken off the deal's health score (0–100).")
        .Required("when", Condition, "The condition that raises the risk.")
        .Optional("advice", Localized, "What the rep should do about it.")
        .Optional("stages", new ListShape(Id, "Stage ids."), "Stages where the rule applies (default: every open stage).");

    public static readonly MapShape QuarterShares = new(
        new ScalarShape(ScalarType.ShareOrAmount, "A share (`25%`) or an amount."),
        "How the year's amount splits over quarters.", "^Q[1-4]$", "a quarter `Q1` to `Q4`", ["Q1", "Q2", "Q3", "Q4"]);

    public static readonly MapShape MonthShares = new(
        new ScalarShape(ScalarType.ShareOrAmount, "A share (`8%`) or an amount."),
        "How the year's amount splits over months.", "^([1-9]|1[0-2])$", "a month number 1 to 12",
        ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]);

    public static readonly ObjectShape RepTarget = new ObjectShape("rep target", "A sales rep's part of a team target.")
        .Required("id", Id, "The rep's id (as in `Opportunity.ownerId`).")
        .Optional("name", Text, "The rep's name (a person's name is not translated).")
        .Optional("share", new ScalarShape(ScalarType.Share, "Share of the team amount."), "Share of the team amount, e.g. `50%`.")
        .Optional("amount", Amount, "Absolute amount.")
        .OneOf("share", "amount");

    public static readonly ObjectShape TeamTarget = new ObjectShape("team target", "A team's part of the yearly target.")
        .Required("id", Id, "The team's id (as in `Owner.team`).")
        .Optional("name", Localized, "Display name.")
        .Optional("share", new ScalarShape(ScalarType.Share, "Share of the yearly amount."), "Share of the yearly amount, e.g. `40%`.")
        .Optional("amount", Amount, "Absolute amount.")
        .Optional("reps", new ListShape(RepTarget, "Rep targets."), "Breakdown to reps; must add up to the team amount.")
        .OneOf("share", "amount");

    public static readonly ObjectShape Target = new ObjectShape("target", "A yearly revenue target and its breakdown.")
        .Required("year", new ScalarShape(ScalarType.Integer, "The calendar year.") { Minimum = 2000, Maximum = 2100 }, "The year the target is for.")
        .Required("amount", Amount, "Closed-won revenue to reach in the year.")
        .Optional("quarters", QuarterShares, "Breakdown by quarter; must add up to the yearly amount.")
        .Optional("months", MonthShares, "Breakdown by month; must add up to the yearly amount.")
        .Optional("teams", new ListShape(TeamTarget, "Team targets."), "Breakdown to teams; must add up to the yearly amount.");

    public static readonly ObjectShape Import = new ObjectShape("import", "A rule pack used by this file.")
        .Required("pack", new ScalarShape(ScalarType.Path, "Path of the rule pack, relative to this file."), "Path of the rule pack file, relative to this file.")
        .Required("as", Id, "The alias that prefixes the pack's ids (`bant.budget`).")
        .Optional("risks", Bool, "Whether the pack's risk rules apply to this process (default `true`).")
        .Optional("stages", new ListShape(Id, "Stage ids."), "Stages where the pack's risk rules apply (default: every open stage).");

    public static readonly ObjectShape ComplaintSla = new ObjectShape("complaint service levels", "How soon a complaint is answered and resolved, from when it is recorded.")
        .Optional("respond", DurationValue, "How long until the customer must have been answered (`respondedAt`), e.g. `24h`.")
        .Optional("resolve", DurationValue, "How long until the complaint must be resolved (`resolvedAt`), e.g. `3bd`.");

    public static readonly ObjectShape FeedbackPolicy = new ObjectShape("feedback policy", "How complaints are handled.")
        .Optional("route", new ScalarShape(ScalarType.Id, "A role: `owner`, `manager`, or a role the organisation file fills."), "The role that handles complaints and is told when one misses its service level (default `owner`).")
        .Optional("sla", ComplaintSla, "The service levels; a complaint that misses one fires `complaint-sla-breached` once.");

    private static readonly ScalarShape CareDuration = new(ScalarType.Duration, "Whole days: `30d`, `2w`, or `20bd` for business days of the process calendar.");

    public static readonly ObjectShape CareCheckIn = new ObjectShape("check-in cadence", "How often a won customer is touched (a call, meeting, visit, e-mail or demo).")
        .Optional("every", CareDuration, "The longest a customer may go without a touch (default `90d`).")
        .Optional("tiers", new MapShape(CareDuration, "Cadence per account tier.", "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "a value of the account field `tier`"), "A cadence per value of the account field `tier`, for the tiers that differ from `every`.");

    public static readonly ObjectShape CareOccasion = new ObjectShape("greeting day", "A day the customer is greeted for.")
        .Required("id", Id, "Unique among the greeting days.")
        .Required("name", Localized, "The day's name, shown in the reminder.")
        .Optional("every", new ScalarShape(ScalarType.Text, "A month and day, `mm-dd`, e.g. `01-01`."), "The same day every year, `mm-dd` (not `02-29`).")
        .Optional("dates", new ListShape(DateValue, "Dates."), "The day's date in each year, for holidays that move (Chinese New Year).")
        .Optional("anniversary", new ScalarShape(ScalarType.Enum, "What the day is the anniversary of.") { Values = ["win"] }, "`win`: each anniversary of the day the deal was won.")
        .OneOf("every", "dates", "anniversary");

    public static readonly ObjectShape CareGreetings = new ObjectShape("greetings", "The days a won customer is greeted for, and how early.")
        .Optional("before", CareDuration, "How long before the day the greeting is due (default `14d`); it must be sent by the last business day before the day.")
        .Optional("days", new ListShape(CareOccasion, "Greeting days.", maxItems: 100), "The greeting days (at most 100).");

    public static readonly ObjectShape Care = new ObjectShape("care", "The after-sales care owed to a won customer, read by the `customer-care` plugin.")
        .Optional("followUpVisit", CareDuration, "How soon after the win the customer is visited (default `30d`).")
        .Optional("checkIn", CareCheckIn, "How often a won customer is touched.")
        .Optional("greetings", CareGreetings, "Holiday and anniversary greetings.");

    public static readonly ObjectShape Calendar = new ObjectShape("calendar", "Business days for durations such as `5bd` and for business-day functions.")
        .Optional("timeZone", new ScalarShape(ScalarType.TimeZone, "IANA time zone."), "Time zone in which days start (default `UTC`).")
        .Optional("weekend", new ListShape(new ScalarShape(ScalarType.Enum, "A day of the week.") { Values = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] }, "Weekend days."), "Days that are not business days (default Saturday and Sunday).")
        .Optional("holidays", new ListShape(DateValue, "Dates."), "Dates that are not business days.")
        .Optional("workdays", new ListShape(DateValue, "Dates."), "Weekend dates that are business days (make-up workdays).")
        .Optional("workingHours", new ScalarShape(ScalarType.Text, "Opening and closing time, e.g. `09:00-18:00`."), "The working hours of a business day, in the calendar's time zone, for business-hour durations such as `16bh` (default `09:00-18:00`).");

    public static readonly ObjectShape Process = new ObjectShape("process", "A sales process definition.")
        .Required("format", FormatValue, "Format version; always `1`.")
        .Required("kind", new ScalarShape(ScalarType.Enum, "What the file holds.") { Values = Kinds }, "`process` for a process.")
        .Required("id", Id, "The process id.")
        .Required("version", new ScalarShape(ScalarType.Integer, "Process version.") { Minimum = 1 }, "Bump it whenever the content changes; running deals stay on their version.")
        .Required("name", Localized, "Display name.")
        .Optional("description", Localized, "What the process is for.")
        .Optional("languages", new ListShape(new ScalarShape(ScalarType.Language, "Language code."), "Languages."), "Languages every text must be given in (missing ones are warnings).")
        .Required("currency", new ScalarShape(ScalarType.Currency, "ISO 4217 code."), "Currency of amounts and targets.")
        .Optional("owner", Text, "Who owns the process (a person or role).")
        .Optional("calendar", Calendar, "Business-day calendar.")
        .Optional("imports", new ListShape(Import, "Imports."), "Rule packs used by the process.")
        .Optional("plugins", new ListShape(new ScalarShape(ScalarType.Id, "A plugin name, e.g. `credit`."), "Plugin names."), "Plugins the process uses: their C# rules, condition functions, results and fact enrichers (see docs/plugin-guide.md).")
        .Optional("fields", new ListShape(CustomField, "Custom fields."), "Fact fields added by this process.")
        // At most 100: with skipping and going back allowed, transitions grow with the square of the stages, and no
        // sales process has more than a few dozen.
        .Required("stages", new ListShape(Stage, "Stages in order.", maxItems: 100), "The stages, in forward order (at most 100).")
        .Optional("transitions", Transitions, "The transition policy.")
        .Optional("escalations", new ListShape(Escalation, "Escalations.", maxItems: 500), "Escalation rules (at most 500).")
        .Optional("riskCategories", new ListShape(RiskCategory, "Extra risk categories."), "Risk categories beyond `market`, `customer` and `team`.")
        .Optional("risks", new ListShape(Risk, "Risk rules.", maxItems: 1_000), "Risk rules (at most 1,000).")
        .Optional("targets", new ListShape(Target, "Yearly targets."), "Revenue targets.")
        .Optional("feedback", FeedbackPolicy, "How complaints are handled: who handles them and their service levels.")
        .Optional("care", Care, "The after-sales care owed to a won customer: follow-up visit, check-ins per account tier, greeting days.");

    public static readonly ObjectShape RulePack = new ObjectShape("rule pack", "Reusable exit criteria, risk rules and fields (e.g. BANT, MEDDPICC).")
        .Required("format", FormatValue, "Format version; always `1`.")
        .Required("kind", new ScalarShape(ScalarType.Enum, "What the file holds.") { Values = Kinds }, "`rule-pack` for a rule pack.")
        .Required("id", Id, "The pack id.")
        .Required("version", new ScalarShape(ScalarType.Integer, "Pack version.") { Minimum = 1 }, "Version of the pack.")
        .Required("name", Localized, "Display name.")
        .Optional("description", Localized, "What the pack checks.")
        .Optional("imports", new ListShape(Import, "Imports."), "Other rule packs this pack builds on.")
        .Optional("fields", new ListShape(CustomField, "Custom fields."), "Fact fields the pack's conditions need.")
        .Optional("criteria", new ListShape(ExitCriterion, "Reusable exit criteria.", maxItems: 1_000), "Exit criteria that processes reuse with `use: alias.id` (at most 1,000).")
        .Optional("riskCategories", new ListShape(RiskCategory, "Extra risk categories."), "Risk categories the pack's risks use.")
        .Optional("risks", new ListShape(Risk, "Risk rules.", maxItems: 1_000), "Risk rules imported into every process that imports the pack (at most 1,000).");

    // Facts of a process test. Keys follow the Sdk fact classes in camelCase.
    private static readonly MapShape CustomValues = new(
        new ScalarShape(ScalarType.Text, "A value of the declared field type."),
        "Values of custom fields declared in `fields:`.", "^[a-z][A-Za-z0-9]*$", "a custom field id");

    public static readonly ObjectShape OpportunityFacts = new ObjectShape("opportunity facts", "The opportunity as the test sees it.")
        .Optional("id", Text, "Opportunity id (default `test-deal`).")
        .Optional("name", Text, "Name.")
        .Optional("amount", Amount, "Amount.")
        .Optional("currency", new ScalarShape(ScalarType.Currency, "Currency."), "Currency (default: the process currency).")
        .Optional("probabilityOverride", new ScalarShape(ScalarType.Number, "Probability 0–1.") { Minimum = 0, Maximum = 1, RangeCode = Diagnostics.DiagnosticIds.ProbabilityOutOfRange }, "Rep's own win probability, overriding the stage default.")
        .Optional("expectedCloseDate", DateTimeValue, "Expected close date.")
        .Optional("createdAt", DateTimeValue, "When the deal was created.")
        .Optional("updatedAt", DateTimeValue, "When the deal was last changed.")
        .Optional("ownerId", Text, "Owner (sales rep) id.")
        .Optional("accountId", Text, "Account id.")
        .Optional("source", Text, "Lead source.")
        .Optional("discountPercent", new ScalarShape(ScalarType.Number, "Discount in percent.") { Minimum = 0, Maximum = 100 }, "Discount offered, in percent.")
        .Optional("nextStep", Text, "Agreed next step.")
        .Optional("competitors", new ListShape(Text, "Competitor names."), "Competitors in the deal.")
        .Optional("custom", CustomValues, "Custom field values.");

    public static readonly ObjectShape PaymentFacts = new ObjectShape("payment", "One invoice of the account and how it was paid.")
        .Optional("id", Text, "Invoice id.")
        .Required("dueAt", DateTimeValue, "When it was due.")
        .Optional("paidAt", DateTimeValue, "When it was paid (absent: unpaid).")
        .Optional("amount", Amount, "Amount.");

    public static readonly ObjectShape AccountFacts = new ObjectShape("account facts", "The customer account.")
        .Optional("id", Text, "Account id.")
        .Optional("name", Text, "Name.")
        .Optional("industry", Text, "Industry.")
        .Optional("region", Text, "Region.")
        .Optional("employees", Count, "Number of employees.")
        .Optional("annualRevenue", Amount, "Annual revenue.")
        .Optional("creditRating", Text, "Credit rating such as `AAA`, `BB` or `D`.")
        .Optional("creditLimit", Amount, "Credit limit granted to the account.")
        .Optional("outstandingBalance", Amount, "Amount currently owed.")
        .Optional("overdueAmount", Amount, "Amount past due.")
        .Optional("daysPastDue", Count, "Days the oldest unpaid invoice is past due.")
        .Optional("payments", new ListShape(PaymentFacts, "Invoices."), "Payment history.")
        .Optional("custom", CustomValues, "Custom field values.");

    public static readonly ObjectShape ContactFacts = new ObjectShape("contact facts", "A person at the customer.")
        .Optional("id", Text, "Contact id.")
        .Optional("name", Text, "Name.")
        .Optional("role", Text, "Role, such as `economic-buyer`, `champion`, `user`.")
        .Optional("isDecisionMaker", Bool, "Whether the contact decides.")
        .Optional("isChampion", Bool, "Whether the contact sells for us inside the customer.")
        .Optional("lastContactedAt", DateTimeValue, "Last time we spoke.")
        .Optional("custom", CustomValues, "Custom field values.");

    public static readonly ObjectShape ActivityFacts = new ObjectShape("activity facts", "Something the rep did.")
        .Optional("id", Text, "Activity id.")
        .Required("kind", Text, "`call`, `meeting`, `visit`, `email`, `demo`, `proposal-sent`, `contract-sent`, `contract-signed`, …")
        .Required("at", DateTimeValue, "When.")
        .Optional("outcome", Text, "Outcome, such as `positive`, `neutral`, `negative`, `acknowledged`.")
        .Optional("contactId", Text, "Contact involved.")
        .Optional("notes", Text, "Notes.");

    public static readonly ObjectShape ApprovalFacts = new ObjectShape("approval facts", "An internal approval.")
        .Optional("id", Text, "Approval id.")
        .Required("kind", Text, "What was approved, such as `discount` or `credit`.")
        .Required("granted", Bool, "Whether it was granted.")
        .Optional("by", Text, "Who approved.")
        .Optional("at", DateTimeValue, "When.")
        .Optional("notes", Text, "Notes.");

    public static readonly ObjectShape FeedbackFacts = new ObjectShape("feedback facts", "Customer feedback.")
        .Optional("id", Text, "Feedback id.")
        .Optional("at", DateTimeValue, "When.")
        .Optional("satisfaction", new ScalarShape(ScalarType.Integer, "Satisfaction score 1–5.") { Minimum = 1, Maximum = 5 }, "Satisfaction score from 1 (bad) to 5 (excellent).")
        .Optional("isComplaint", Bool, "Whether it is a complaint.")
        .Optional("resolved", Bool, "Whether a complaint is resolved.")
        .Optional("text", Text, "What the customer said.")
        .Optional("category", Text, "What it is about, such as `delivery` or `billing`.")
        .Optional("assignedTo", Text, "Who handles the complaint.")
        .Optional("respondedAt", DateTimeValue, "When the customer was first answered.")
        .Optional("resolvedAt", DateTimeValue, "When the complaint was resolved.");

    public static readonly ObjectShape OwnerFacts = new ObjectShape("owner facts", "The sales rep who owns the deal.")
        .Optional("id", Text, "Rep id.")
        .Optional("name", Text, "Name.")
        .Optional("team", Text, "Team id.")
        .Optional("managerId", Text, "The rep's manager.")
        .Optional("openDeals", Count, "Open deals the rep owns.")
        .Optional("lastActiveAt", DateTimeValue, "Last time the rep logged anything.");

    public static readonly ObjectShape TaskFacts = new ObjectShape("task facts", "A task of the stage entry, as a test gives it.")
        .Required("id", Id, "The task id.")
        .Optional("dueAt", DateTimeValue, "When it is due.")
        .Optional("completedAt", DateTimeValue, "When it was completed; leave out for an open task.");

    public static readonly ObjectShape TestGiven = new ObjectShape("test facts", "The deal a test evaluates.")
        .Required("stage", Id, "The stage the deal is in.")
        .Required("now", DateTimeValue, "The evaluation time.")
        .Optional("enteredStageAt", DateTimeValue, "When the deal entered the stage (default: `now`).")
        .Optional("opportunity", OpportunityFacts, "The opportunity.")
        .Optional("account", AccountFacts, "The account.")
        .Optional("owner", OwnerFacts, "The owner.")
        .Optional("contacts", new ListShape(ContactFacts, "Contacts."), "Contacts.")
        .Optional("activities", new ListShape(ActivityFacts, "Activities."), "Activities.")
        .Optional("approvals", new ListShape(ApprovalFacts, "Approvals."), "Approvals.")
        .Optional("feedback", new ListShape(FeedbackFacts, "Feedback."), "Customer feedback.")
        .Optional("checklist", new ListShape(Id, "Checklist item ids."), "Checklist items of the stage already done.")
        .Optional("tasks", new ListShape(TaskFacts, "Tasks."), "Tasks of the stage entry, done or open (for `TaskDone` and `TaskOverdue`).")
        .Optional("conditionsSince", new MapShape(DateTimeValue, "When condition-triggered escalations started.", "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "an escalation id"), "For condition-triggered escalations: since when the condition has been true.");

    public static readonly ObjectShape ExpectedEscalation = new ObjectShape("expected escalation", "An escalation level the test expects to be due.")
        .Required("id", Id, "Escalation id.")
        .Required("level", new ScalarShape(ScalarType.Integer, "Level number, 1 for the first.") { Minimum = 1 }, "The highest level due (1 = first).");

    public static readonly ObjectShape TestExpect = new ObjectShape("test expectations", "What the evaluation must show.")
        .Optional("gate", new ScalarShape(ScalarType.Enum, "Gate outcome.") { Values = ["passed", "blocked"] }, "`passed` or `blocked`.")
        .Optional("failing", new ListShape(Reference, "Criterion ids."), "Exactly the exit criteria that fail.")
        .Optional("risks", new ListShape(Reference, "Risk ids."), "Exactly the risks raised.")
        .Optional("raised", new ListShape(Reference, "Risk ids."), "Risks that must be among those raised.")
        .Optional("notRaised", new ListShape(Reference, "Risk ids."), "Risks that must not be raised.")
        .Optional("escalations", new ListShape(ExpectedEscalation, "Escalations due."), "Exactly the escalations due, with their highest level.")
        .Optional("probability", new ScalarShape(ScalarType.Number, "Probability 0–1.") { Minimum = 0, Maximum = 1 }, "The effective win probability.")
        .Optional("health", new ScalarShape(ScalarType.Integer, "Health 0–100.") { Minimum = 0, Maximum = 100 }, "The health score.")
        .Optional("missingChecklist", new ListShape(Id, "Checklist item ids."), "Exactly the required checklist items not done.");

    public static readonly ObjectShape TestCase = new ObjectShape("process test", "One test case: a deal and what its evaluation must show.")
        .Required("name", Text, "Unique name, shown in test output.")
        .Optional("description", Text, "Why the case matters.")
        .Required("given", TestGiven, "The deal.")
        .Required("expect", TestExpect, "The expected evaluation.");

    public static readonly ObjectShape ProcessTests = new ObjectShape("process tests", "Test cases for a process, kept next to it.")
        .Required("format", FormatValue, "Format version; always `1`.")
        .Required("kind", new ScalarShape(ScalarType.Enum, "What the file holds.") { Values = Kinds }, "`process-tests` for test cases.")
        .Required("process", new ScalarShape(ScalarType.Path, "The process file these tests are for, relative to this file."), "Path of the process under test.")
        .Required("tests", new ListShape(TestCase, "Test cases."), "The test cases.");

    public static readonly ObjectShape DealFile = DealShape();

    private static readonly ScalarShape PersonId = new(ScalarType.Text, "A person's id: the owner id deals carry (`Owner.Id`).");

    private static readonly AnyOfShape RoleMembers = new(
        "One person's id, or a list of them.",
        PersonId,
        new ListShape(PersonId, "People's ids."));

    private static readonly MapShape RoleMap = new(RoleMembers, "Who fills each named role.", "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "a role id such as `director` or `customer-service`");

    private static readonly ScalarShape DigestValue = new(ScalarType.Enum, "How a person takes escalations and overdue tasks.") { Values = ["daily", "none"] };

    private static readonly ScalarShape QuietHoursValue = new(ScalarType.Text, "A daily period `hh:mm-hh:mm` (over midnight when it ends before it starts), or `none`.");

    public static readonly ObjectShape Person = new ObjectShape("person", "Someone the process's work reaches.")
        .Required("id", PersonId, "The person's id: the owner id deals carry.")
        .Optional("name", Text, "Display name.")
        .Optional("email", Text, "E-mail address, for e-mail delivery.")
        .Optional("team", Text, "The team the person is in (one of `teams:` when the file lists teams).")
        .Optional("manager", PersonId, "The person's manager (default: the team's manager).")
        .Optional("language", new ScalarShape(ScalarType.Language, "Language code."), "The language notifications to this person are written in (default: the process's first language).")
        .Optional("timeZone", new ScalarShape(ScalarType.TimeZone, "IANA time zone."), "The person's time zone, for quiet hours (default: the organisation's).")
        .Optional("quietHours", QuietHoursValue, "When the person is not to be disturbed, e.g. `22:00-08:00` (default: the organisation's); `none` for never.")
        .Optional("digest", DigestValue, "`daily`: a daily digest of what is due, overdue and escalated instead of a message per escalation and overdue task (default: the organisation's).");

    public static readonly ObjectShape Team = new ObjectShape("team", "A sales team.")
        .Required("id", Text, "The team id: the owner team deals carry (`Owner.Team`).")
        .Optional("name", Localized, "Display name.")
        .Optional("manager", PersonId, "The team's manager: the `manager` of its people's deals unless the deal names another.")
        .Optional("roles", RoleMap, "Who fills a named role for this team's deals, where it differs from the organisation's `roles:`.");

    public static readonly ObjectShape Organisation = new ObjectShape("organisation", "Who fills the roles processes name: people, teams, managers and named roles.")
        .Required("format", FormatValue, "Format version; always `1`.")
        .Required("kind", new ScalarShape(ScalarType.Enum, "What the file holds.") { Values = Kinds }, "`organisation` for an organisation.")
        .Required("id", Id, "The organisation id.")
        .Optional("name", Localized, "Display name.")
        .Optional("timeZone", new ScalarShape(ScalarType.TimeZone, "IANA time zone."), "The time zone people's quiet hours are in, unless a person gives their own (default `UTC`).")
        .Optional("quietHours", QuietHoursValue, "When nobody is disturbed unless a person says otherwise, e.g. `22:00-08:00` (default: never).")
        .Optional("digest", DigestValue, "`daily` to give everyone a daily digest instead of a message per escalation and overdue task, unless a person says otherwise (default `none`).")
        .Required("people", new ListShape(Person, "People."), "Everyone the processes' work reaches.")
        .Optional("teams", new ListShape(Team, "Teams."), "The teams, with their managers and team-specific roles.")
        .Optional("roles", RoleMap, "Who fills each named role organisation-wide, e.g. `director: chen-jie`, `legal: [wu-min, he-ping]`.");

    private static readonly ScalarShape ColumnName = new(ScalarType.Text, "A column of the CSV file, by its header.");

    /// <summary>A column, or the names it goes by in the CRM's exports of different versions and screens: the first the header has is read.</summary>
    private static readonly AnyOfShape Column = new(
        "A column of the CSV file by its header, or a list of the names it goes by (`[Record ID, Deal ID]`): the first the header has is read.",
        ColumnName,
        new ListShape(ColumnName, "The names a column goes by, tried in order.", maxItems: 16));

    // The keys of value maps are the CRM's own values ("Closed Won", "赢单", "Jane Doe"): any text.
    private const string AnyKey = "^.+$";

    private static readonly ObjectShape OpportunityColumns = new ObjectShape("opportunity columns", "Which column of the opportunities file holds each deal field.")
        .Required("id", Column, "The CRM's deal id: the deal id in SalesWorkflow, and the key of every command the import issues.")
        .Required("stage", Column, "The CRM stage, mapped by `stages:`.")
        .Required("owner", Column, "The owner (a name or an id; `owners:` maps it to a person id).")
        .Required("engagedAt", Column, "When the deal began (created or engaged): the day it starts in the process.")
        .Optional("status", Column, "Open, won or lost, where the CRM keeps it apart from the stage (Dynamics' Status), mapped by `statuses:`.")
        .Optional("name", Column, "The deal's name (default: the product and account, else the id).")
        .Optional("team", Column, "The owner's team, when the opportunities file has it (else from the teams file).")
        .Optional("product", Column, "The product; checked against the products file when there is one.")
        .Optional("account", Column, "The account (company) name.")
        .Optional("pipeline", Column, "The CRM pipeline; with `pipelines:`, only those rows are imported.")
        .Optional("closedAt", Column, "The close date: when a won or lost deal closed, and the expected close date of an open one.")
        .Optional("expectedCloseAt", Column, "The expected close date of an open deal, where the CRM keeps it apart from the actual one.")
        .Optional("amount", Column, "The amount: what a won deal was worth, and what an open one is expected to be.")
        .Optional("expectedAmount", Column, "The estimated amount of an open deal, where the CRM keeps it apart from the actual one.")
        .Optional("lossReason", Column, "Why a lost deal was lost, mapped by `lossReasons:`.")
        .Optional("custom", new MapShape(Column, "Custom fields: field id → column.", "^[a-z][A-Za-z0-9]*$", "a custom field id of the process such as `dealType`"), "Custom fields of the process the export fills: `dealType: Deal Type`.");

    private static readonly ObjectShape MappingFileNames = new ObjectShape("mapping files", "The CSV files of the export, relative to the import folder.")
        .Required("opportunities", Text, "The deals or opportunities file; `*` matches any characters (`hubspot-crm-exports-*.csv`), and exactly one file must match.")
        .Optional("teams", Text, "Owners with their manager and team.")
        .Optional("accounts", Text, "Accounts with industry, size, revenue and region.")
        .Optional("products", Text, "Products with their list price.")
        .Optional("stageHistory", Text, "The stage history (Salesforce's OpportunityHistory): one row per stage a deal entered, and when; a pattern that matches no file means no history.")
        .Optional("goals", Text, "Goal records (Dynamics' Goal table): owner, period, target and parent goal, read as the process's `targets:`; a pattern that matches no file means none.");

    private static readonly ObjectShape MappingColumns = new ObjectShape("mapping columns", "Which columns hold what, per file.")
        .Required("opportunities", OpportunityColumns, "The opportunities file's columns.")
        .Optional("teams", new ObjectShape("team columns", "The teams file's columns.")
            .Required("owner", Column, "The owner, as the opportunities file names them.")
            .Optional("manager", ColumnName, "The owner's manager.")
            .Optional("team", ColumnName, "The owner's team."), "The teams file's columns.")
        .Optional("accounts", new ObjectShape("account columns", "The accounts file's columns.")
            .Required("name", ColumnName, "The account name, as the opportunities file names it.")
            .Optional("industry", ColumnName, "Industry or sector.")
            .Optional("employees", ColumnName, "Number of employees.")
            .Optional("revenue", ColumnName, "Annual revenue (see `accountRevenueUnit`).")
            .Optional("region", ColumnName, "Region or office."), "The accounts file's columns.")
        .Optional("products", new ObjectShape("product columns", "The products file's columns.")
            .Required("name", ColumnName, "The product name, as the opportunities file names it.")
            .Required("price", ColumnName, "The list price: the amount of an open deal that has none."), "The products file's columns.")
        .Optional("stageHistory", new ObjectShape("stage history columns", "The stage history file's columns.")
            .Required("deal", Column, "The deal's id, as the opportunities file's `id` column has it.")
            .Required("stage", Column, "The CRM stage the deal entered, mapped by `stages:`.")
            .Required("at", Column, "When it entered it, in the mapping's date formats."), "The stage history file's columns.")
        .Optional("goals", new ObjectShape("goal columns", "The goals file's columns.")
            .Required("name", Column, "The goal's name, by which a child goal names its parent.")
            .Required("owner", Column, "Who the goal is for: a team (mapped by `goals.teams`) or a person (mapped by `owners:`).")
            .Required("target", Column, "The target amount, in the mapping's number format.")
            .Optional("parent", Column, "The parent goal's name; a goal without one heads its period.")
            .Optional("period", Column, "The fiscal period (`Annual`, `Quarter 1`, `January`), mapped by `goals.periods`.")
            .Optional("year", Column, "The fiscal year (`FY2026` or `2026`).")
            .Optional("from", Column, "A custom period's first day, where the goal has no fiscal period.")
            .Optional("to", Column, "A custom period's last day.")
            .Optional("metric", Column, "The goal metric (`Revenue`); with `goals.metrics`, only those goals are read."), "The goals file's columns.");

    private static readonly ObjectShape StageMapping = new ObjectShape("stage mapping", "What a CRM stage is in the process.")
        .Optional("status", new ScalarShape(ScalarType.Enum, "The deal's status.") { Values = ["open", "won", "lost"] }, "Open, won or lost (default: open, or what `statuses:` reads).")
        .Optional("stage", Id, "For an open deal, the process stage it is in.")
        .Optional("lossReason", Id, "For a lost stage that says why (`Closed Lost to Competition`), the loss reason its deals get when their row gives none.");

    public static readonly ObjectShape CrmMapping = new ObjectShape("crm mapping", "How `salesflow import` reads a CRM's export into a process (docs/import.md).")
        .Required("format", FormatValue, "Format version; always `1`.")
        .Required("kind", new ScalarShape(ScalarType.Enum, "What the file holds.") { Values = Kinds }, "`crm-mapping` for a mapping.")
        .Optional("crm", Text, "Which CRM the export comes from, for people reading the mapping and the import's summary.")
        .Required("files", MappingFileNames, "The export's files.")
        .Required("columns", MappingColumns, "Which column holds what.")
        .Optional("encoding", new ScalarShape(ScalarType.Enum, "Text encoding of the files.") { Values = ["utf-8", "gb18030"] }, "`utf-8` (default; with or without a BOM) or `gb18030` (GBK exports of Chinese CRMs).")
        .Optional("pipelines", new ListShape(Text, "Pipeline names."), "Only rows of these pipelines are imported; the others are reported and skipped.")
        .Required("stages", new MapShape(StageMapping, "CRM stage → process.", AnyKey, "a CRM stage name"), "Each CRM stage: `Closed Won: { status: won }`, `Qualified To Buy: { stage: needs-analysis }`. A stage not listed is reported, never guessed.")
        .Optional("statuses", new MapShape(new ScalarShape(ScalarType.Enum, "The deal's status.") { Values = ["open", "won", "lost"] }, "CRM status → status.", AnyKey, "a CRM status value"), "Where `columns.opportunities.status` is given: each of its values → `open`, `won` or `lost`.")
        .Optional("engagedStage", Id, "The process stage a won or lost deal starts in on its engage date (default: the first stage).")
        .Optional("lossReason", Id, "The loss reason of a lost deal whose CRM gives none, or one `lossReasons:` does not list (reported as a warning).")
        .Optional("lossReasons", new MapShape(Id, "CRM loss reason → process loss reason.", AnyKey, "a CRM loss reason"), "Each CRM loss reason → a loss reason id of the process.")
        .Optional("owners", new MapShape(Text, "CRM owner → person id.", AnyKey, "an owner as the CRM writes it"), "Each owner as the export writes it (`Jane Doe`) → the person id deals carry (`jane-doe`).")
        .Optional("productAliases", new MapShape(Text, "Spelling → product.", AnyKey, "a product spelling"), "Spellings in the opportunities file that mean a product of the products file.")
        .Optional("sectorAliases", new MapShape(Text, "Spelling → sector.", AnyKey, "a sector spelling"), "Spellings of sectors in the accounts file, corrected.")
        .Optional("fieldValues", new MapShape(new MapShape(Text, "CRM value → field value.", AnyKey, "a value as the CRM writes it"), "Custom field → its values.", "^[a-z][A-Za-z0-9]*$", "a custom field id"), "For enum custom fields whose values the CRM spells its own way: `dealType: { New Business: new-business }`.")
        .Optional("undatedOpenDealsStartOn", DateValue, "Open deals without an engage date start on this day; without it they are reported and skipped.")
        .Optional("accountRevenueUnit", new ScalarShape(ScalarType.Number, "A multiplier.") { Minimum = 0.000001, Maximum = 1_000_000_000 }, "What one unit of the accounts file's revenue is worth (`1000000` for revenue in millions).")
        .Optional("dates", new ObjectShape("date format", "How the export writes dates.")
            .Optional("formats", new ListShape(Text, ".NET date formats."), "The formats tried in order, e.g. `M/d/yyyy h:mm tt`, `dd-MM-yyyy`, `yyyy.MM.dd`, `yyyy年M月d日` (default `yyyy-MM-dd`).")
            .Optional("culture", Text, "The culture month names and AM/PM are read in, e.g. `en-US` (default: invariant)."), "Date formats.")
        .Optional("goals", new ObjectShape("goals", "How goal records become the process's targets (docs/import.md, \"Targets from goals\").")
            .Optional("periods", new MapShape(new ScalarShape(ScalarType.Enum, "A period of the year.") { Values = ["year", "Q1", "Q2", "Q3", "Q4", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"] }, "CRM period → period.", AnyKey, "a fiscal period as the CRM writes it"), "Each value of the period column → `year`, a quarter `Q1`–`Q4` or a month `1`–`12`. A goal of a period not listed (a semester) is reported and left out.")
            .Optional("metrics", new ListShape(Text, "Goal metrics."), "Only goals of these metrics are read (default: all); the targets are closed-won revenue.")
            .Optional("teams", new MapShape(Id, "Goal owner → team id.", AnyKey, "a goal owner or goal name as the CRM writes it"), "The goals that are a team's: their owner (or name) → the team id deals carry (`Owner.team`); below the year's goal, a goal whose owner is not listed leaves the team breakdown out, reported."), "Targets from a goals export.")
        .Optional("webhook", new ObjectShape("webhook", "How the CRM's webhooks describe a deal's changes, for the server's live sync (docs/import.md, \"Live sync\").")
            .Required("format", new ScalarShape(ScalarType.Enum, "A payload shape.") { Values = ["hubspot", "salesforce", "dynamics", "zoho", "json"] }, "The payload's shape: `hubspot` (deal property-change subscriptions), `salesforce` (outbound messages), `dynamics` (webhooks' RemoteExecutionContext), `zoho` (workflow webhooks' parameters) or `json` (SalesWorkflow's own envelope, for any other sender).")
            .Optional("properties", new MapShape(ColumnName, "Payload property → export column.", AnyKey, "a property as the payload names it"), "What each property of the payload is, as the export's column that holds it: `dealstage: Deal Stage`. A property named as a column needs no entry; others are ignored.")
            .Optional("eventId", Text, "For `zoho`: the parameter that identifies the change (default: a hash of the parameters, so a redelivered call is one change)."), "Live sync through the CRM's webhooks.")
        .Optional("numbers", new ObjectShape("number format", "How the export writes amounts.")
            .Optional("decimalSeparator", Text, "`.` (default) or `,`.")
            .Optional("groupSeparator", Text, "`,` (default), `.`, ` `, `'`, or empty for none."), "Number format; currency symbols and codes (`$`, `¥`, `USD`, `元`) around an amount are dropped.");

    /// <summary>The shape of the top-level mapping for a `kind:` value.</summary>
    public static ObjectShape? ForKind(string kind) => kind switch
    {
        "process" => Process,
        "rule-pack" => RulePack,
        "process-tests" => ProcessTests,
        "deal" => DealFile,
        "organisation" => Organisation,
        "crm-mapping" => CrmMapping,
        _ => null,
    };

    private static ObjectShape DealShape()
    {
        var shape = new ObjectShape("deal", "One deal, for `salesflow explain`: the same facts as a process test's `given`.")
            .Required("format", FormatValue, "Format version; always `1`.")
            .Required("kind", new ScalarShape(ScalarType.Enum, "What the file holds.") { Values = Kinds }, "`deal` for a deal file.");
        foreach (var field in TestGiven.Fields)
        {
            if (field.Key == "now")
            {
                shape.Optional("now", field.Shape, "The evaluation time (default: `--now`, else the current time).");
            }
            else if (field.Required)
            {
                shape.Required(field.Key, field.Shape, field.Description);
            }
            else
            {
                shape.Optional(field.Key, field.Shape, field.Description);
            }
        }

        return shape;
    }
}
