namespace SalesWorkflow.Sdk.Plugins;

/// <summary>
/// A SalesWorkflow plugin: it names itself and registers what it adds — C# rules, functions for YAML conditions,
/// fact enrichers and event sinks. The engine creates one instance (public parameterless constructor when loaded from
/// a folder; dependency injection when added with <c>AddPlugin&lt;T&gt;()</c>) and calls <see cref="Register"/> once,
/// before any process is loaded.
/// </summary>
/// <remarks>
/// The SDK version a plugin was built against is the version of the <c>SalesWorkflow.Sdk</c> assembly it references;
/// the compiler records it, so a plugin cannot forget to declare it. The engine loads a plugin when that version has
/// the engine's SDK major version and a minor version no newer than the engine's (see <see cref="SdkVersion"/>).
/// </remarks>
public interface ISalesWorkflowPlugin
{
    /// <summary>
    /// The plugin's name: lower-case letters, digits and dashes (e.g. <c>credit-risk</c>). Names must be unique among
    /// the loaded plugins; diagnostics, incidents and <c>salesflow plugins list</c> use it.
    /// </summary>
    string Name { get; }

    /// <summary>The plugin's own version (semantic versioning, e.g. <c>1.2.0</c>).</summary>
    string Version { get; }

    /// <summary>Registers the plugin's extensions. Throwing here rejects the plugin (the engine still starts).</summary>
    void Register(IPluginRegistry registry);
}

/// <summary>What a plugin may add. Every method returns the registry so that calls chain.</summary>
public interface IPluginRegistry
{
    /// <summary>
    /// Adds C# rules: classes deriving from <c>NRules.Fluent.Dsl.Rule</c> with a public parameterless constructor,
    /// written over the SDK fact types. A rule reports what it found by inserting <see cref="Results.RiskRaised"/>
    /// or <see cref="Results.CriterionMet"/> facts (usually with <c>ctx.InsertLinked</c>, so they disappear when the
    /// match does); YAML conditions read them with <c>HasRisk("id")</c> and <c>Met("id")</c>, gates and explanations
    /// treat them like YAML results. Rule names (the <c>[Name]</c> attribute, else the class name) must be unique.
    /// </summary>
    IPluginRegistry AddRules(params Type[] ruleTypes);

    /// <summary>
    /// Adds the public static methods of <paramref name="functionsType"/> as functions for YAML conditions under the
    /// namespace <paramref name="namespaceName"/> (e.g. <c>credit</c> gives <c>credit.Score(Account)</c>). Functions
    /// must be pure: same arguments, same result, no I/O (conditions are evaluated many times and replayed). Their
    /// parameter and return types must be SDK fact types, <c>string</c>, <c>bool</c>, <c>int</c>, <c>long</c>,
    /// <c>double</c>, <c>decimal</c>, <c>DateTimeOffset</c>, their nullable forms or <c>IEnumerable&lt;T&gt;</c> of
    /// fact types. Conditions may call them only because the plugin registered them.
    /// </summary>
    IPluginRegistry AddFunctions(string namespaceName, Type functionsType);

    /// <summary>Adds a fact enricher, run before a deal is evaluated (see <see cref="IFactEnricher"/>).</summary>
    IPluginRegistry AddEnricher(IFactEnricher enricher);

    /// <summary>Adds an event sink under a unique name (the name is stored with each pending delivery).</summary>
    IPluginRegistry AddEventSink(string name, Events.IProcessEventSink sink);
}
