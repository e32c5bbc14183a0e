using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// Client populations (G8): the apps that call svc-0 (<see cref="SimWorld.Orders"/>, <see cref="SimWorld.Legacy"/>,
/// <see cref="SimWorld.Export"/>), their versions, and how fast old versions age out. Every number that varies is drawn
/// from the simulation's seeded random source.
/// </summary>
public sealed record ClientPopulation
{
    /// <summary>The defaults: the versions there at the start age out within about an hour and a half; the telemetry window is 30 minutes.</summary>
    public static ClientPopulation Default { get; } = new();

    /// <summary>The simulated world's <c>policy.retention.clientTelemetry</c>: how far back G8 looks for callers.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Mean time between two new versions of an app (each new version supersedes the one before it).</summary>
    public TimeSpan NewVersionEvery { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// A superseded version's calls halve every this long; below one call a minute it has aged out and never calls
    /// again.
    /// </summary>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Calls a minute of an app's newest version; older versions start at a fraction of it.</summary>
    public double CallsPerMinute { get; init; } = 200;

    /// <summary>Checks the options; returns an error message or null.</summary>
    public string? Validate() =>
        Window <= TimeSpan.Zero ? "the client telemetry window must be positive"
        : NewVersionEvery <= TimeSpan.Zero ? "the time between client versions must be positive"
        : HalfLife <= TimeSpan.Zero ? "the half-life of old client versions must be positive"
        : CallsPerMinute is < 1 or > 1_000_000 || double.IsNaN(CallsPerMinute) ? "the calls a minute of a client version must be between 1 and 1000000"
        : null;
}

/// <summary>One version of a client app: what it calls, how much, and when it last called each operation (the truth).</summary>
internal sealed class ClientVersionState(string app, string version, int rank, string[] operations, double volume)
{
    public string App { get; } = app;
    public string Version { get; } = version;

    /// <summary>Its place among its app's versions, oldest first (versions appear in SemVer order).</summary>
    public int Rank { get; } = rank;

    public string[] Operations { get; } = operations;

    /// <summary>Calls a minute; zero once aged out.</summary>
    public double Volume { get; set; } = volume;

    /// <summary>A newer version of the app exists: this one decays.</summary>
    public bool Superseded { get; set; }

    /// <summary>When it last called each of <see cref="Operations"/> (null: never).</summary>
    public DateTimeOffset?[] LastCall { get; } = new DateTimeOffset?[operations.Length];

    public bool Live => Volume > 0;

    /// <summary>When it last called <paramref name="operation"/>, or null.</summary>
    public DateTimeOffset? LastCalled(string operation)
    {
        var k = Array.IndexOf(Operations, operation);
        return k < 0 ? null : LastCall[k];
    }

    /// <summary>When it last called anything, or null.</summary>
    public DateTimeOffset? LastCalledAny() => LastCall.Max();
}

/// <summary>
/// The simulated client apps and their versions: the truth of who called what when (read by the checker), and the
/// calls counted by svc-0's Stepwise.Clients middleware since it last shipped them (shipped to the controller's
/// telemetry, as the middleware posts them to the server). A version calls every operation it uses once a minute
/// or more while it is live, so "called within the window" and "live within the window" are the same thing.
/// </summary>
internal sealed class ClientPopulationState
{
    /// <summary>How often clients call (and the middleware counts), in simulated time.</summary>
    public static readonly TimeSpan CallInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The apps: name, their versions at the start (version, operations, share of the newest version's volume; the last
    /// is the newest), and what their new versions call. Old versions call <see cref="SimWorld.Legacy"/>; partner's
    /// versions all call <see cref="SimWorld.Export"/>, which no release deprecates.
    /// </summary>
    public static readonly (string App, (string Version, string[] Operations, double Share)[] Start, string[] Calls, double Volume)[] Apps =
    [
        ("mobile",
        [
            ("1.0.0", [SimWorld.Orders, SimWorld.Legacy], 0.1),
            ("1.1.0", [SimWorld.Orders, SimWorld.Legacy], 0.3),
            ("2.0.0", [SimWorld.Orders], 1),
        ], [SimWorld.Orders], 1),
        ("partner",
        [
            ("3.0.0", [SimWorld.Orders, SimWorld.Legacy, SimWorld.Export], 0.3),
            ("3.1.0", [SimWorld.Orders, SimWorld.Export], 1),
        ], [SimWorld.Orders, SimWorld.Export], 0.5),
    ];

    private readonly ClientPopulation options;
    private readonly List<ClientVersionState> versions = [];
    private readonly Dictionary<(string App, string Version, string Operation), long> counted = [];
    private readonly List<(string App, string Version, string Operation)> order = [];
    private readonly double decay;

    public ClientPopulationState(ClientPopulation options)
    {
        this.options = options;
        decay = Math.Pow(0.5, CallInterval / options.HalfLife);
        foreach (var (app, start, _, volume) in Apps)
        {
            for (var k = 0; k < start.Length; k++)
            {
                var (version, operations, share) = start[k];
                versions.Add(new ClientVersionState(app, version, k, operations, options.CallsPerMinute * volume * share) { Superseded = k < start.Length - 1 });
            }
        }
    }

    /// <summary>Every version that ever existed, in the order they appeared.</summary>
    public IReadOnlyList<ClientVersionState> Versions => versions;

    /// <summary>The rank of <paramref name="version"/> among <paramref name="app"/>'s versions, or -1 when it is not one.</summary>
    public int RankOf(string app, string version) => versions.FirstOrDefault(v => v.App == app && v.Version == version)?.Rank ?? -1;

    /// <summary>The newest version of <paramref name="app"/>.</summary>
    public ClientVersionState Newest(string app) => versions.Last(v => v.App == app);

    /// <summary>
    /// One <see cref="CallInterval"/> of calls: every live version calls each of its operations (its volume shared
    /// among them, ±20%, at least once), the middleware counts them, and superseded versions decay. Returns how many
    /// versions aged out.
    /// </summary>
    public int Call(DateTimeOffset now, Random random)
    {
        var agedOut = 0;
        foreach (var v in versions)
        {
            if (!v.Live)
            {
                continue;
            }
            for (var k = 0; k < v.Operations.Length; k++)
            {
                var count = Math.Max(1, (long)Math.Round(v.Volume / v.Operations.Length * (0.8 + (0.4 * random.NextDouble()))));
                v.LastCall[k] = now;
                var key = (v.App, v.Version, v.Operations[k]);
                if (!counted.TryGetValue(key, out var sum))
                {
                    order.Add(key);
                }
                counted[key] = sum + count;
            }
            if (v.Superseded)
            {
                v.Volume *= decay;
                if (v.Volume < 1)
                {
                    v.Volume = 0;
                    agedOut++;
                }
            }
        }
        return agedOut;
    }

    /// <summary>A new version of the app appears (one minor version up) and supersedes the newest.</summary>
    public ClientVersionState Release(int app)
    {
        var (name, _, calls, volume) = Apps[app];
        var newest = Newest(name);
        newest.Superseded = true;
        var parts = newest.Version.Split('.');
        var version = $"{parts[0]}.{int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 1}.0";
        var next = new ClientVersionState(name, version, newest.Rank + 1, calls, options.CallsPerMinute * volume);
        versions.Add(next);
        return next;
    }

    /// <summary>What the middleware counted since it last shipped, as one telemetry batch stamped <paramref name="at"/> (the server's time).</summary>
    public IReadOnlyList<ClientCalls> Ship(DateTimeOffset at)
    {
        var batch = order.Select(k => new ClientCalls(SimWorld.ServiceName(0), k.Operation, k.App, k.Version, counted[k], at)).ToList();
        counted.Clear();
        order.Clear();
        return batch;
    }
}
