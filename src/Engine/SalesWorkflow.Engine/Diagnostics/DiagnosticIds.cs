namespace SalesWorkflow.Engine.Diagnostics;

/// <summary>
/// Every diagnostic code the engine reports. Codes are stable: never reuse or renumber one; docs/diagnostics.md
/// lists them all (a test keeps the two in step).
/// </summary>
internal static class DiagnosticIds
{
    // SW0xxx: reading the file and YAML syntax.
    public const string FileUnreadable = "SW0001";
    public const string InvalidUtf8 = "SW0002";
    public const string FileTooLarge = "SW0003";
    public const string EmptyFile = "SW0004";
    public const string PathOutsideRoot = "SW0005";
    public const string NotADefinition = "SW0006";
    public const string LinkSkipped = "SW0007";
    public const string TooManyDiagnostics = "SW0008";
    public const string InvalidSourceName = "SW0009";
    public const string YamlSyntax = "SW0010";
    public const string TooManyNodes = "SW0011";
    public const string NestingTooDeep = "SW0012";
    public const string MultipleDocuments = "SW0013";
    public const string DuplicateKey = "SW0014";
    public const string NonScalarKey = "SW0015";
    public const string UnknownAlias = "SW0016";
    public const string UnsupportedTag = "SW0017";

    // SW1xxx: shape of the document (keys, types, values).
    public const string UnknownKey = "SW1001";
    public const string WrongNodeType = "SW1002";
    public const string InvalidValue = "SW1003";
    public const string MissingKey = "SW1004";
    public const string InvalidEnumValue = "SW1005";
    public const string InvalidId = "SW1006";
    public const string InvalidDuration = "SW1007";
    public const string UnknownKind = "SW1008";
    public const string UnsupportedFormat = "SW1009";
    public const string ConflictingKeys = "SW1010";

    // SW12xx: meaning of a process.
    public const string DuplicateId = "SW1201";
    public const string UnknownStage = "SW1202";
    public const string NoWonStage = "SW1203";
    public const string NoLostStage = "SW1204";
    public const string UnreachableStage = "SW1205";
    public const string ProbabilityOutOfRange = "SW1206";
    public const string ProbabilityFalls = "SW1207";
    public const string TargetSharesDoNotAddUp = "SW1208";
    public const string ImportNotFound = "SW1209";
    public const string ImportCycle = "SW1210";
    public const string EmptyCondition = "SW1211";
    public const string UnknownPackItem = "SW1212";
    public const string LossReasonsMissing = "SW1213";
    public const string EscalationLevelsOutOfOrder = "SW1214";
    public const string MissingTranslation = "SW1215";
    public const string NoOpenStage = "SW1216";
    public const string TerminalStageHasCriteria = "SW1217";
    public const string CustomFieldClash = "SW1218";
    public const string ImportWrongKind = "SW1219";
    public const string DuplicateTargetPeriod = "SW1220";
    public const string TooManyItems = "SW1221";
    public const string StageNotOpen = "SW1222";
    public const string PackRiskStages = "SW1223";
    public const string UnknownRiskCategory = "SW1224";
    public const string PluginNotLoaded = "SW1225";
    public const string UnknownPerson = "SW1226";
    public const string UnknownRole = "SW1227";
    public const string UnknownTeam = "SW1228";
    public const string DuplicateOrganisation = "SW1229";
    public const string UnknownCareTier = "SW1230";
    public const string CareWithoutPlugin = "SW1231";

    // SW2xxx: conditions.
    public const string ConditionSyntax = "SW2001";
    public const string ConditionUnknownName = "SW2002";
    public const string ConditionTypeMismatch = "SW2003";
    public const string ConditionForbidden = "SW2004";
    public const string ConditionTooLong = "SW2005";
    public const string ConditionTooDeep = "SW2006";
    public const string ConditionNotBoolean = "SW2007";
    public const string ConditionRiskCycle = "SW2008";
    public const string ConditionUnknownRisk = "SW2009";
    public const string ConditionEnumValue = "SW2010";
    public const string ConditionCompile = "SW2011";
    public const string ConditionUnknownPluginResult = "SW2012";
    public const string ConditionUnknownTask = "SW2013";

    // SW3xxx: process test files.
    public const string TestProcessNotFound = "SW3001";
    public const string TestUnknownCriterion = "SW3002";
    public const string TestUnknownRisk = "SW3003";
    public const string TestUnknownEscalation = "SW3004";
    public const string TestInvalidFact = "SW3005";
    public const string TestDuplicateName = "SW3006";
    public const string TestUnknownChecklistItem = "SW3007";
}
