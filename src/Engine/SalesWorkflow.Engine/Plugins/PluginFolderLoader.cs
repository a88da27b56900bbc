using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using McMaster.NETCore.Plugins;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Engine.Plugins;

/// <summary>
/// Loads plugins from a folder (DESIGN.md D5): each subfolder <c>&lt;name&gt;/</c> holds one plugin's build output,
/// loaded with McMaster.NETCore.Plugins into its own load context. The SDK and NRules are shared with the host (the
/// same types everywhere); every other dependency stays private to the plugin, so two plugins may use different
/// versions of one library. The SDK version is read from the assembly's metadata before anything is loaded.
/// </summary>
internal static class PluginFolderLoader
{
    private static readonly string SdkAssemblyName = typeof(ISalesWorkflowPlugin).Assembly.GetName().Name!;

    /// <summary>Assemblies whose types plugins and host must share.</summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(ISalesWorkflowPlugin),
        typeof(NRules.Fluent.Dsl.Rule),
        typeof(NRules.RuleModel.IRuleDefinition),
        typeof(NRules.ISession),
    ];

    public static IEnumerable<(ISalesWorkflowPlugin Plugin, string Source, Version SdkVersion)> Load(string folder, List<PluginDiagnostic> diagnostics)
    {
        if (!Directory.Exists(folder))
        {
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.BadAssembly, folder, "the plugin folder does not exist"));
            return [];
        }

        // The assembly loader needs absolute paths; a folder is named relative to the working directory.
        folder = Path.GetFullPath(folder);
        foreach (var stray in Directory.GetFiles(folder, "*.dll").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(stray);
            diagnostics.Add(new PluginDiagnostic(
                PluginDiagnosticCodes.BadAssembly,
                stray,
                $"a plugin goes in a folder of its own, with its dependencies: move it to {Path.Combine(Path.GetFileName(folder), name, name + ".dll")} (dotnet publish -o {Path.Combine(Path.GetFileName(folder), name)})"));
        }

        var found = new List<(ISalesWorkflowPlugin, string, Version)>();
        foreach (var directory in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            found.AddRange(LoadOne(directory, diagnostics));
        }

        return found;
    }

    private static List<(ISalesWorkflowPlugin, string, Version)> LoadOne(string directory, List<PluginDiagnostic> diagnostics)
    {
        var assemblyPath = MainAssembly(directory, diagnostics);
        if (assemblyPath is null)
        {
            return [];
        }

        Version? sdkVersion;
        try
        {
            sdkVersion = ReferencedSdkVersion(assemblyPath);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException)
        {
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.BadAssembly, assemblyPath, $"not a readable .NET assembly ({ex.Message}); rebuild or reinstall the plugin"));
            return [];
        }

        if (sdkVersion is null)
        {
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.NoPluginType, assemblyPath, $"the assembly does not reference {SdkAssemblyName}, so it cannot contain a plugin"));
            return [];
        }

        if (!SdkVersion.IsCompatible(sdkVersion, SdkVersion.Current))
        {
            // Checked before loading: an incompatible plugin's types may not even resolve against this SDK.
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.IncompatibleSdk, assemblyPath,
                $"built against SalesWorkflow.Sdk {sdkVersion.ToString(2)}, this engine runs SDK {SdkVersion.Current.ToString(2)}; rebuild the plugin against SDK {SdkVersion.Current.Major}.x (x ≤ {SdkVersion.Current.Minor})"));
            return [];
        }

        Type[] pluginTypes;
        try
        {
            var loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, SharedTypes, config => config.PreferSharedTypes = false);
            var assembly = loader.LoadDefaultAssembly();
            pluginTypes = [.. assembly.GetExportedTypes().Where(t => typeof(ISalesWorkflowPlugin).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)];
        }
#pragma warning disable CA1031 // Loading foreign code can fail in many ways; each becomes a diagnostic, never a crash (DESIGN.md D5).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var detail = ex is ReflectionTypeLoadException { LoaderExceptions: var inner } ? string.Join("; ", inner.Where(e => e is not null).Select(e => e!.Message).Distinct()) : ex.Message;
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.BadAssembly, assemblyPath, $"the assembly could not be loaded: {detail}"));
            return [];
        }

        if (pluginTypes.Length == 0)
        {
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.NoPluginType, assemblyPath, "no public, non-abstract class implements ISalesWorkflowPlugin"));
            return [];
        }

        var plugins = new List<(ISalesWorkflowPlugin, string, Version)>();
        foreach (var type in pluginTypes)
        {
            if (type.GetConstructor(Type.EmptyTypes) is null)
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.NoPluginType, assemblyPath, $"{type.FullName} needs a public parameterless constructor to be loaded from a folder"));
                continue;
            }

            try
            {
                plugins.Add(((ISalesWorkflowPlugin)Activator.CreateInstance(type)!, assemblyPath, sdkVersion));
            }
#pragma warning disable CA1031 // A plugin constructor that throws is reported, not fatal (DESIGN.md D5).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var error = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.RegisterFailed, assemblyPath, $"{type.FullName} threw in its constructor: {error.GetType().Name}: {error.Message}"));
            }
        }

        return plugins;
    }

    /// <summary><c>&lt;folder-name&gt;.dll</c>, else the only assembly in the folder that references the SDK.</summary>
    private static string? MainAssembly(string directory, List<PluginDiagnostic> diagnostics)
    {
        var conventional = Path.Combine(directory, Path.GetFileName(directory) + ".dll");
        if (File.Exists(conventional))
        {
            return conventional;
        }

        var candidates = Directory.GetFiles(directory, "*.dll")
            .Where(path => !Path.GetFileNameWithoutExtension(path).Equals(SdkAssemblyName, StringComparison.Ordinal))
            .Where(path =>
            {
                try
                {
                    return ReferencedSdkVersion(path) is not null;
                }
                catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException)
                {
                    return false;
                }
            })
            .Order(StringComparer.Ordinal)
            .ToList();
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.BadAssembly, directory, candidates.Count == 0
            ? $"no plugin assembly: expected {Path.GetFileName(conventional)} (the folder's name), or one .dll that references {SdkAssemblyName}"
            : $"several assemblies reference {SdkAssemblyName} ({string.Join(", ", candidates.Select(Path.GetFileName))}); name the plugin's {Path.GetFileName(conventional)}"));
        return null;
    }

    /// <summary>The SDK version an assembly was compiled against, read from its metadata without loading it.</summary>
    private static Version? ReferencedSdkVersion(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw new BadImageFormatException("the file has no .NET metadata");
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.AssemblyReferences)
        {
            var reference = metadata.GetAssemblyReference(handle);
            if (metadata.GetString(reference.Name) == SdkAssemblyName)
            {
                return reference.Version;
            }
        }

        return null;
    }
}
