namespace SalesWorkflow.Engine.Storage;

/// <summary>
/// The database could not be used: locked, read-only, corrupt, created by a newer SalesWorkflow, or unreachable.
/// The message says what to do. <see cref="IsTransient"/> tells whether retrying the same call may succeed.
/// </summary>
public sealed class SalesWorkflowStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SalesWorkflowStoreException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException) => IsTransient = isTransient;

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public SalesWorkflowStoreException()
        : base("The SalesWorkflow database could not be used.")
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public SalesWorkflowStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public SalesWorkflowStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the same call may succeed if retried (a lock that will be released, a connection that will come back).</summary>
    public bool IsTransient { get; }
}

/// <summary>A process version's content changed without its version number changing.</summary>
public sealed class ProcessVersionConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProcessVersionConflictException(string processId, int version, string storedHash, string newHash)
        : base($"The process '{processId}' version {version} changed since deals started running on it (stored content {storedHash[..12]}…, loaded {newHash[..12]}…). Bump `version:` in the definition: running deals stay on their version until migrated.")
    {
        ProcessId = processId;
        Version = version;
    }

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ProcessVersionConflictException()
        : base("A process version changed without a version bump.")
    {
        ProcessId = string.Empty;
    }

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ProcessVersionConflictException(string message)
        : base(message) => ProcessId = string.Empty;

    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ProcessVersionConflictException(string message, Exception innerException)
        : base(message, innerException) => ProcessId = string.Empty;

    /// <summary>The process.</summary>
    public string ProcessId { get; }

    /// <summary>The version.</summary>
    public int Version { get; }
}
