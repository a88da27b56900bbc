namespace SalesWorkflow.Sdk.Plugins;

/// <summary>The version of this SDK and the rule that decides whether a plugin built against another one can load.</summary>
public static class SdkVersion
{
    /// <summary>The version of the SDK assembly loaded in this process.</summary>
    public static Version Current { get; } = typeof(SdkVersion).Assembly.GetName().Version ?? new Version(1, 0, 0, 0);

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
