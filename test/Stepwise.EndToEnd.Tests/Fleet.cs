using Stepwise.Api;
using Stepwise.Cli.Local;
using Stepwise.Core.Model;

namespace Stepwise.EndToEnd.Tests;

/// <summary>
/// A real fleet on loopback for the end-to-end tests: the same <see cref="LocalFleet"/> `stepwise demo` runs (a
/// `stepwise server`, `stepwise agent` processes running the orders sample, traffic), with the assertions and
/// shortcuts the tests share. Every wait is bounded; a failed one fails the test with the children's logs.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private readonly LocalFleet local;

    private Fleet(LocalFleet local) => this.local = local;

    public static string RepoRoot() => Stepwise.Testing.Scratch.RepoRoot();

    private static string Configuration => Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";

    public static string StepwiseDll => Path.Combine(AppContext.BaseDirectory, "stepwise.dll");

    public static string OrdersDll => Path.Combine(RepoRoot(), "samples", "orders", "bin", Configuration, "net10.0", "Stepwise.Samples.Orders.dll");

    public string Dir => local.Dir;

    public ApiClient Api => local.Api;

    public string OrdersDb => local.OrdersDb;

    /// <summary>
    /// Starts the server and <paramref name="nodeCount"/> orders nodes (n1, n2...), plus <paramref name="otherNodes"/>
    /// of other services, with the orders sample's stepwise.yaml or <paramref name="configYaml"/>, and traffic on every node.
    /// </summary>
    public static async Task<Fleet> StartAsync(int nodeCount, string? configYaml = null, IReadOnlyList<(string Id, string Service)>? otherNodes = null,
        IReadOnlyList<string>? serverArguments = null)
    {
        var dir = Stepwise.Testing.Scratch.Directory("stepwise-e2e-");
        var config = Path.Combine(RepoRoot(), "samples", "orders", "stepwise.yaml");
        if (configYaml is not null)
        {
            config = Path.Combine(dir, "stepwise.yaml");
            await File.WriteAllTextAsync(config, configYaml);
        }
        var local = await Run(() => LocalFleet.StartAsync(new LocalFleetOptions(StepwiseDll, OrdersDll, config, dir, ServerArguments: serverArguments), nodeCount, otherNodes));
        local.StartTraffic();
        return new Fleet(local);
    }

    public Task StartServerAsync() => Run(() => local.StartServerAsync());

    /// <summary>The loopback port the app of node <paramref name="id"/> listens on.</summary>
    public int AppPort(string id) => local.AppPort(id);

    /// <summary>SIGKILL the server: no shutdown, no flush.</summary>
    public void KillServer() => local.KillServer();

    public Task AddNodeAsync(string id, string service = "orders") => Run(() => local.AddNodeAsync(id, service));

    public void StartAgent(string id) => local.StartAgent(id);

    /// <summary>SIGKILL a node's agent and its app, as a machine that loses power.</summary>
    public void KillNode(string id) => local.KillNode(id);

    public int Installs(string id, string release) => local.Installs(id, release);

    /// <summary>Why the agent of <paramref name="id"/> stopped its app, each time it did.</summary>
    public List<string> Stops(string id) => local.Stops(id);

    public string Diagnostics() => local.Diagnostics();

    public Task<(int Exit, string Out, string Err)> CliAsync(params string[] args) => local.CliAsync(args);

    public Task<List<NodeView>> NodesAsync() => local.NodesAsync();

    public Task<T> WaitAsync<T>(string what, Func<Task<T?>> probe) => Run(() => local.WaitAsync(what, probe));

    public ReleaseRegistration Registration(string version, string[]? needs = null, string[]? usesOldShape = null, string[]? provides = null, OperationCall[]? calls = null) =>
        new(version, local.SampleArtifact,
            Provides: provides ?? ["GET /orders/{id}", "GET /orders", "POST /orders", "DELETE /orders/{id}"], Calls: calls ?? [], Needs: needs ?? [], UsesOldShapeOf: usesOldShape ?? []);

    public async Task RegisterAsync(string version, string[]? needs = null, string[]? usesOldShape = null, string service = "orders", string[]? provides = null, OperationCall[]? calls = null)
    {
        var answer = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", service)), Registration(version, needs, usesOldShape, provides, calls));
        answer.Ok.ShouldBeTrue($"registering {service} {version}: {answer.Problem}");
    }

    public async Task<string> StartRolloutAsync(string version, string service = "orders")
    {
        // On a loaded CI machine the sample's health path can miss three probes in a row (it queries the shared SQLite
        // file), and a rollout refused for want of a healthy canary is not what these tests are about: wait until the
        // server again sees a live, healthy node (up to a minute) and ask again. Any other refusal fails at once.
        var answer = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(service, version, "end-to-end test"));
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!answer.Ok && answer.Problem?.ToString().Contains("no live, healthy", StringComparison.Ordinal) == true && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            answer = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(service, version, "end-to-end test"));
        }
        answer.Ok.ShouldBeTrue($"starting the rollout to {version}: {answer.Problem}\n{Diagnostics()}");
        return answer.Value!.Rollout ?? await WaitAsync("the rollout to appear", async () =>
            (await Api.GetAsync<List<RolloutView>>(Routes.Rollouts)).Value?.LastOrDefault(r => r.Service == service && r.To == version)?.Id);
    }

    /// <summary>Waits for the rollout to reach a terminal phase, calling <paramref name="onPhase"/> on each new phase; returns the phases seen.</summary>
    public async Task<List<RolloutPhase>> FollowAsync(string rollout, Func<RolloutPhase, Task>? onPhase = null)
    {
        var phases = new List<RolloutPhase>();
        await WaitAsync($"rollout {rollout} to finish", async () =>
        {
            RolloutView? view;
            try
            {
                view = (await Api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", rollout)))).Value;
            }
            catch (ApiConnectionException)
            {
                return null; // the server is being restarted
            }
            if (view is null)
            {
                return null;
            }
            if (phases.Count == 0 || phases[^1] != view.Phase)
            {
                phases.Add(view.Phase);
                if (onPhase is not null)
                {
                    await onPhase(view.Phase);
                }
            }
            return RolloutPhases.IsTerminal(view.Phase) ? "done" : null;
        });
        return phases;
    }

    /// <summary>A fleet that cannot do what a test asks fails the test, with the logs.</summary>
    private static async Task<T> Run<T>(Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (LocalFleetException e)
        {
            Assert.Fail(e.Message);
            throw;
        }
    }

    private static Task Run(Func<Task> step) => Run(async () =>
    {
        await step();
        return true;
    });

    public ValueTask DisposeAsync() => local.DisposeAsync();
}
