using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server;

namespace Stepwise.Cli.Tests;

/// <summary>A real Stepwise server on 127.0.0.1 (port 0, a SQLite file in a scratch folder) for the CLI's commands to talk to.</summary>
internal sealed class CliServer : IAsyncDisposable
{
    public const string AdminSecret = "sw_cli-test-admin-secret-0123456789abcdef";

    public const string Yaml = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 1h
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          dataBake: 1s
          heartbeatTimeout: 30s
          analysis:
            interval: 1s
            timeout: 60s
            metrics: []
        services:
          - name: orders
            releases:
              - version: 1.0.0
              - version: 1.1.0
        plans:
          - id: ship
            steps:
              - release: orders@1.1.0
        """;

    private CliServer(ServerHost host, string directory)
    {
        Host = host;
        Directory = directory;
        Url = host.Urls[0].Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        Admin = new ApiClient(new Uri(Url), AdminSecret);
    }

    public ServerHost Host { get; }

    public string Directory { get; }

    public string Url { get; }

    public ApiClient Admin { get; }

    public static async Task<CliServer> StartAsync(string yaml = Yaml)
    {
        var directory = Stepwise.Testing.Scratch.Directory("stepwise-cli-server-");
        var config = Path.Combine(directory, "stepwise.yaml");
        await File.WriteAllTextAsync(config, yaml);
        var host = await ServerHost.BuildAsync(new ServerOptions
        {
            Store = "sqlite:" + Path.Combine(directory, "stepwise.db"),
            Urls = "http://127.0.0.1:0",
            ConfigFile = config,
            AdminToken = AdminSecret,
            Tick = TimeSpan.FromMilliseconds(100),
            RequestWait = TimeSpan.FromSeconds(20),
        });
        await host.StartAsync();
        return new CliServer(host, directory);
    }

    /// <summary>Runs a command against this server with the admin token (or <paramref name="token"/>).</summary>
    public (int Exit, string Out, string Err) Run(string? token, params string[] args) =>
        Cli.Run([.. args, "--server", Url, .. token is null ? Array.Empty<string>() : ["--token", token]]);

    public (int Exit, string Out, string Err) AsAdmin(params string[] args) => Run(AdminSecret, args);

    /// <summary>A node of orders that has reported once on <paramref name="release"/>.</summary>
    public async Task NodeAsync(string node, string release)
    {
        var created = await Admin.PostAsync<TokenCreated>(Routes.Tokens, new TokenBody(TokenKind.Agent, "agent-" + node, node));
        using var agent = new ApiClient(new Uri(Url), created.Value!.Token);
        var beat = await agent.PostAsync<HeartbeatReply>(Routes.Heartbeat, new Heartbeat(node, "orders", release, NodeHealth.Healthy, true, 10, 0, [1.0]));
        beat.Ok.ShouldBeTrue(beat.Problem?.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
    }
}
