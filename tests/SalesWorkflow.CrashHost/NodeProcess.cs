using System.Collections.Concurrent;
using System.Diagnostics;
using SalesWorkflow.Engine.Hosting;

namespace SalesWorkflow.CrashHost;

/// <summary>
/// One engine node in an OS process of its own (this crash host, on SQLite or PostgreSQL), driven by its line protocol:
/// commands and "fire" go in, acknowledgements come out. <see cref="Kill"/> is SIGKILL. Used by the multi-node
/// PostgreSQL tests and by the SQLite fault-injection tests, which preload a fault library into the process.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _input = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _acks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TaskCompletionSource<int?>> _fires = new();
    private readonly ConcurrentQueue<TaskCompletionSource<(int Changed, int Evaluated)>> _sweeps = new();
    private readonly ConcurrentQueue<TaskCompletionSource<int?>> _dispatches = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private readonly Task<string> _errors;

    /// <param name="database">An SQLite file path, or a PostgreSQL connection string (the node's name becomes its Application Name).</param>
    public NodeProcess(string name, string database, string definitions, IReadOnlyDictionary<string, string>? environment = null)
    {
        Name = name;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Protocol).Assembly.Location);
        start.ArgumentList.Add(PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(database) ? database + ";Application Name=" + name : database);
        start.ArgumentList.Add(definitions);
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        _process = Process.Start(start)!;
        _errors = _process.StandardError.ReadToEndAsync();
        _reading = Task.Run(ReadAsync);
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Timers this node fired, over all its "fire" rounds.</summary>
    public int TimersFired { get; private set; }

    public async Task WaitReadyAsync()
    {
        if (await Task.WhenAny(_ready.Task, Task.Delay(TimeSpan.FromSeconds(90))) != _ready.Task)
        {
            throw new TimeoutException($"{Name} did not start within 90 s: {(_process.HasExited ? await _errors : "still running")}");
        }
    }

    /// <summary>Sends a command line; the task ends with the status the node acknowledged, or "failed …".</summary>
    public async Task<string> SubmitAsync(string commandId, string line)
    {
        // A retry of a command already answered waits for its own answer, not the first one's.
        var ack = _acks.AddOrUpdate(
            commandId,
            _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously),
            (_, earlier) => earlier.Task.IsCompleted ? new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously) : earlier);
        await WriteAsync(line);
        return await ack.Task;
    }

    /// <summary>Starts sending a command without waiting for its acknowledgement (it may never come: the node may die).</summary>
    public Task<string> Send(string commandId, string line) => SubmitAsync(commandId, line);

    /// <summary>Fires the timers due at <paramref name="unixMs"/>; null when the node's store gave up.</summary>
    public Task<int?> FireAsync(long unixMs) => RequestAsync(_fires, $"{unixMs} fire");

    /// <summary>Delivers pending events to the node's sinks at <paramref name="unixMs"/>; the deliveries that succeeded, or null when the node exited first.</summary>
    public Task<int?> DispatchAsync(long unixMs) => RequestAsync(_dispatches, $"{unixMs} dispatch");

    /// <summary>Runs one sweep round at <paramref name="unixMs"/>: the deals it changed and the deals this node evaluated.</summary>
    public Task<(int Changed, int Evaluated)> SweepAsync(long unixMs) => RequestAsync(_sweeps, $"{unixMs} sweep");

    /// <summary>Writes a line whose answer comes back in order on <paramref name="answers"/>, and waits for the answer.</summary>
    private async Task<T> RequestAsync<T>(ConcurrentQueue<TaskCompletionSource<T>> answers, string line)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _input.WaitAsync();
        try
        {
            answers.Enqueue(answer);
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }
        finally
        {
            _input.Release();
        }

        return await answer.Task;
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private async Task WriteAsync(string line)
    {
        await _input.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException)
        {
            // The node is gone; its commands stay unanswered, as for a real client.
        }
        finally
        {
            _input.Release();
        }
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            var fields = line.Split(' ');
            switch (fields[0])
            {
                case "ready":
                    _ready.TrySetResult();
                    break;
                case "ack":
                    _acks.GetOrAdd(fields[1], _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(fields[2]);
                    break;
                case "failed":
                    _acks.GetOrAdd(fields[1], _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult("failed " + fields[2]);
                    break;
                case "error":
                    _acks.GetOrAdd(fields[1], _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetException(new InvalidOperationException($"{Name} failed command {fields[1]} with {fields[2]}: {await ErrorsSoFarAsync()}"));
                    break;
                case "fire-error":
                    if (_fires.TryDequeue(out var broken))
                    {
                        broken.TrySetException(new InvalidOperationException($"{Name} failed to fire timers with {fields[1]}"));
                    }

                    break;
                case "dispatched":
                    if (_dispatches.TryDequeue(out var dispatched))
                    {
                        dispatched.TrySetResult(int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
                    }

                    break;
                case "fired":
                    TimersFired += int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                    if (_fires.TryDequeue(out var fired))
                    {
                        fired.TrySetResult(int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
                    }

                    break;
                case "swept":
                    if (_sweeps.TryDequeue(out var swept))
                    {
                        swept.TrySetResult((int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    break;
                case "sweep-error":
                    if (_sweeps.TryDequeue(out var sweepFailed))
                    {
                        sweepFailed.TrySetException(new InvalidOperationException($"{Name} failed to sweep with {fields[1]}: {await ErrorsSoFarAsync()}"));
                    }

                    break;
                case "fire-failed":
                    if (_fires.TryDequeue(out var failed))
                    {
                        failed.TrySetResult(null);
                    }

                    break;
            }
        }

        // The node exited: nothing more will be answered.
        foreach (var fire in _fires)
        {
            fire.TrySetResult(null);
        }

        foreach (var dispatch in _dispatches)
        {
            dispatch.TrySetResult(null);
        }

        foreach (var sweep in _sweeps)
        {
            sweep.TrySetException(new InvalidOperationException($"{Name} exited before its sweep ended."));
        }
    }

    private async Task<string> ErrorsSoFarAsync()
    {
        await Task.Delay(200);
        return _errors.IsCompleted ? _errors.Result : "(see the node's standard error)";
    }

    public string Errors() => _errors.IsCompleted ? _errors.Result : string.Empty;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (IOException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.WaitForExit();
        _reading.Wait(TimeSpan.FromSeconds(5));
        _process.Dispose();
        _input.Dispose();
    }
}
