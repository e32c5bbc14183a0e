using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent;

/// <summary>
/// What the agent remembers across restarts. <see cref="Release"/> is what is installed on the node (what it
/// reports); <see cref="Sanctioned"/> is whether the controller's last answer let it serve that release.
/// </summary>
/// <param name="Release">The installed release (null: nothing installed yet).</param>
/// <param name="Artifact">How to run <paramref name="Release"/>, as the controller gave it.</param>
/// <param name="AppPort">The port the app listens on.</param>
/// <param name="Sanctioned">The controller's last answer named this release and allowed serving it.</param>
/// <param name="UpdatedAt">When the state was last written.</param>
/// <param name="AppPid">The app process the agent runs (null: none), so a restarted agent can stop what its predecessor left running.</param>
/// <param name="AppStartedAt">That process's start time (a recycled pid is not the app).</param>
/// <param name="AppGroup">The app leads its own process group (its pid is the group id): a restarted agent stops the group.</param>
/// <param name="App">The health and metrics paths the controller last gave for the service (stepwise.yaml's <c>app:</c>),
/// used with the agent's own <c>--run</c> command when the controller gives no artifact.</param>
public sealed record AgentState(string? Release, Artifact? Artifact, int AppPort, bool Sanctioned, DateTimeOffset? UpdatedAt, int? AppPid = null, DateTimeOffset? AppStartedAt = null, bool AppGroup = false,
    AppPaths? App = null)
{
    public static AgentState Empty(int port) => new(null, null, port, false, null);
}

/// <summary>
/// agent-state.json in the state directory, written atomically (a temporary file in the same directory, flushed,
/// then renamed over the old one) so a crash leaves either the old state or the new, never half of one.
/// </summary>
public sealed class AgentStateFile(string directory)
{
    public const string FileName = "agent-state.json";

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    /// <summary>The saved state, or null when there is none. A corrupt file is an error naming the file and the fix.</summary>
    public AgentState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<AgentState>(File.ReadAllText(Path), SnapshotJson.Tolerant)
                ?? throw new AgentStateException($"{Path}: empty state; delete the file to start afresh (the app starts only once the controller answers)");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $":{line + 1}" : "";
            throw new AgentStateException($"{Path}{where}: not valid agent state ({e.Message}); delete the file to start afresh (the app starts only once the controller answers)");
        }
    }

    public void Save(AgentState state)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temp = Path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, state, SnapshotJson.Indented);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }
}

public sealed class AgentStateException(string message) : Exception(message);
