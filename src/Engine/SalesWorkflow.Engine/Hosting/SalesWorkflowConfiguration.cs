using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace SalesWorkflow.Engine.Hosting;

/// <summary>
/// Reads <see cref="SalesWorkflowOptions"/> from the <c>SalesWorkflow</c> configuration section. Written out rather
/// than left to a reflection binder: the options' lists are added to through methods, a value that does not read must
/// say which key it is, and a misspelled key must not be ignored without a word.
/// </summary>
internal static class SalesWorkflowConfiguration
{
    public const string SectionName = "SalesWorkflow";

    private static readonly Dictionary<string, Action<IConfigurationSection, SalesWorkflowOptions>> Keys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Definitions"] = (s, o) => Each(s, path => o.AddDefinitions(path)),
        ["PluginFolders"] = (s, o) => Each(s, folder => o.AddPluginsFrom(folder)),
        ["Sqlite"] = (s, o) => UseStorePackage(s, o, "SalesWorkflow.Engine.Sqlite", "SalesWorkflow.Engine.Hosting.SqliteOptionsExtensions", "UseSqlite"),
        ["PostgreSql"] = (s, o) => UseStorePackage(s, o, "SalesWorkflow.Engine.PostgreSql", "SalesWorkflow.Engine.Hosting.PostgreSqlOptionsExtensions", "UsePostgreSql"),
        ["TimerPollInterval"] = (s, o) => o.TimerPollInterval = Time(s),
        ["SweepInterval"] = (s, o) => o.SweepInterval = Time(s),
        ["SweepWonDealsFor"] = (s, o) => o.SweepWonDealsFor = Time(s),
        ["DispatchPollInterval"] = (s, o) => o.DispatchPollInterval = Time(s),
        ["SinkTimeout"] = (s, o) => o.SinkTimeout = Time(s),
        ["SendDigestsAt"] = (s, o) => o.SendDigestsAt = TimeOfDay(s),
        ["TimerBatchSize"] = (s, o) => o.TimerBatchSize = Number(s),
        ["SweepBatchSize"] = (s, o) => o.SweepBatchSize = Number(s),
        ["MaxSinkAttempts"] = (s, o) => o.MaxSinkAttempts = Number(s),
        ["RunBackgroundServices"] = (s, o) => o.RunBackgroundServices = Flag(s),
        ["TrackStageTasks"] = (s, o) => o.TrackStageTasks = Flag(s),
        ["UseStoredProcessVersions"] = (s, o) => o.UseStoredProcessVersions = Flag(s),
        ["FailOnPluginErrors"] = (s, o) => o.FailOnPluginErrors = Flag(s),
    };

    /// <summary>Applies every key of <paramref name="section"/> to <paramref name="options"/>; throws naming the first key that does not read.</summary>
    public static void Bind(IConfigurationSection section, SalesWorkflowOptions options)
    {
        foreach (var child in section.GetChildren())
        {
            if (!Keys.TryGetValue(child.Key, out var apply))
            {
                throw new InvalidOperationException($"{child.Path}: SalesWorkflow has no option '{child.Key}'. Known keys: {string.Join(", ", Keys.Keys)}.");
            }

            apply(child, options);
        }
    }

    /// <summary>
    /// A store key: each store is a package of its own, which the engine does not reference, so the key calls the
    /// package's public <c>Use…(options, connectionString)</c> method, found by name in the application's assemblies.
    /// A missing package is an error that says which one to add.
    /// </summary>
    private static void UseStorePackage(IConfigurationSection section, SalesWorkflowOptions options, string package, string typeName, string methodName)
    {
        var connectionString = Text(section);
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(package));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new InvalidOperationException($"{section.Path}: this store is in the {package} package, which the application does not reference. Add it: dotnet add package {package}.", ex);
        }

        var method = assembly.GetType(typeName)?.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == methodName && m.GetParameters() is [{ } first, { } second, ..] parameters &&
                first.ParameterType == typeof(SalesWorkflowOptions) && second.ParameterType == typeof(string) && parameters.Skip(2).All(p => p.HasDefaultValue))
            ?? throw new InvalidOperationException($"{section.Path}: {package} has no {typeName}.{methodName}(options, connectionString); its version does not match this engine's.");
        try
        {
            method.Invoke(null, [options, connectionString, .. method.GetParameters().Skip(2).Select(p => p.DefaultValue)]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
        }
    }

    private static void Each(IConfigurationSection section, Action<string> add)
    {
        // One path ("Definitions": "definitions") or a list ("Definitions": ["a.yaml", "packs"]).
        var values = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value).ToList();
        foreach (var value in values)
        {
            add(string.IsNullOrWhiteSpace(value) ? throw Invalid(section, value, "a path") : Path.GetFullPath(value));
        }
    }

    private static string Text(IConfigurationSection section) =>
        section.Value is { Length: > 0 } text ? text : throw Invalid(section, section.Value, "a value");

    // TimeSpan.Parse reads a bare "15" as fifteen days; an interval must be written with its hours, minutes and seconds.
    private static TimeSpan Time(IConfigurationSection section) =>
        section.Value is { } value && value.Contains(':', StringComparison.Ordinal) &&
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var time)
            ? time
            : throw Invalid(section, section.Value, "a time span written [d.]hh:mm:ss, such as 00:15:00");

    private static TimeOnly TimeOfDay(IConfigurationSection section) =>
        TimeOnly.TryParseExact(section.Value, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw Invalid(section, section.Value, "a time of day written HH:mm, such as 08:00");

    private static int Number(IConfigurationSection section) =>
        int.TryParse(section.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(section, section.Value, "a whole number");

    private static bool Flag(IConfigurationSection section) =>
        bool.TryParse(section.Value, out var flag) ? flag : throw Invalid(section, section.Value, "true or false");

    private static InvalidOperationException Invalid(IConfigurationSection section, string? value, string expected) =>
        new($"{section.Path}: '{value}' is not {expected}.");
}
