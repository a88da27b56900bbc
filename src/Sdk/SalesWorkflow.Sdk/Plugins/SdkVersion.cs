namespace SalesWorkflow.Sdk.Plugins;

/// <summary>The version of this SDK and the rule that decides whether a plugin built against another one can load.</summary>
public static class SdkVersion
{
    /// <summary>The version of the SDK assembly loaded in this process.</summary>
    public static Version Current { get; } = typeof(SdkVersion).Assembly.GetName().Version ?? new Version(1, 0, 0, 0);

    /// <summary>
    /// The version an assembly was built as (its package version: <c>&lt;Version&gt;</c> in the project), without
    /// the build metadata after a <c>+</c> (the commit SourceLink adds). A plugin's
    /// <see cref="ISalesWorkflowPlugin.Version"/> can return <c>SdkVersion.Of(typeof(MyPlugin).Assembly)</c>, so
    /// what <c>salesflow plugins list</c> shows is what the package says.
    /// </summary>
    /// <param name="assembly">The plugin's assembly.</param>
    /// <returns>The version, such as <c>1.2.0</c> or <c>1.2.0-preview.1</c>.</returns>
    public static string Of(System.Reflection.Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var informational = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion;
        return informational is { Length: > 0 } version
            ? version.Split('+', 2)[0]
            : assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }

    /// <summary>
    /// True when a plugin built against <paramref name="builtAgainst"/> runs on <paramref name="host"/>: same major
    /// version (majors may break the contract) and a minor version no newer than the host's (a plugin may use members a
    /// newer minor added).
    /// </summary>
    public static bool IsCompatible(Version builtAgainst, Version host)
    {
        ArgumentNullException.ThrowIfNull(builtAgainst);
        ArgumentNullException.ThrowIfNull(host);
        return builtAgainst.Major == host.Major && builtAgainst.Minor <= host.Minor;
    }
}
