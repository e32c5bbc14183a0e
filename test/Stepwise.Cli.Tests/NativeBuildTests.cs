using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Stepwise.Testing;

namespace Stepwise.Cli.Tests;

/// <summary>
/// The native build of the CLI (published with -p:StepwiseNative=true), run as a process beside the .NET tool's
/// build: every command it has prints what the tool prints, over files and against a real server, and the commands it
/// leaves to the tool say so. Published once for the class (a minute or two).
/// </summary>
public sealed class NativeBuildTests
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    private static readonly string Contexts = Path.Combine(Scratch.Directory("stepwise-native-contexts-"), "config.yaml");

    public static TheoryData<string[]> OfflineCommands()
    {
        var shop = Cli.Sample("shop", "stepwise.yaml");
        var fleet = Cli.Sample("shop", "fleet.json");
        var contracts = Cli.Sample("orders", "contracts");
        var sql = Path.Combine(Cli.RepoRoot(), "test", "Stepwise.Data.Tests", "Corpus", "sql", "rename-column.sql");
        return new TheoryData<string[]>
        {
            new[] { "--version" },
            new[] { "validate", shop, "--format", "json" },
            new[] { "validate", Cli.Sample("shop", "missing.yaml"), "--format", "json" },
            new[] { "plan", "--config", shop, "--fleet", fleet },
            new[] { "plan", "--config", shop, "--fleet", fleet, "--format", "json" },
            new[] { "compat", Path.Combine(contracts, "orders-1.5.0.json"), Path.Combine(contracts, "orders-1.6.0.json"), "--format", "json" },
            new[] { "compat", Path.Combine(contracts, "orders-1.5.0.json"), Path.Combine(contracts, "orders-1.6.0.json"), "--format", "sarif" },
            new[] { "lint-sql", sql, "--format", "json" },
            new[] { "lint-sql", sql, "--format", "sarif", "--phase", "expand" },
            new[] { "simulate", "--nodes", "300", "--services", "2", "--seed", "5", "--faults", "all", "--format", "json" },
            new[] { "simulate", "--nodes", "200", "--seeds", "3", "--clients", "--format", "json" },
            new[] { "rollout", "get", "--help" },
            new[] { "valdate" },
        };
    }

    [Theory]
    [MemberData(nameof(OfflineCommands))]
    public async Task an_offline_command_prints_what_the_dotnet_tool_prints(string[] args)
    {
        var native = await Native(args);
        var tool = await Tool(args);
        native.Exit.ShouldBe(tool.Exit, native.Err);
        Timeless(native.Out).ShouldBe(Timeless(tool.Out));
        native.Err.ShouldBe(tool.Err);
    }

    [Fact]
    public async Task protobuf_contracts_compare_with_the_bundled_protoc()
    {
        var dir = Scratch.Directory("stepwise-native-proto-");
        var old = Directory.CreateDirectory(Path.Combine(dir, "old")).FullName;
        var @new = Directory.CreateDirectory(Path.Combine(dir, "new")).FullName;
        await File.WriteAllTextAsync(Path.Combine(old, "orders.proto"), "syntax = \"proto3\";\npackage shop.v1;\nmessage Order { int64 id = 1; string note = 2; }\nservice Orders { rpc Get(Order) returns (Order); }\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(@new, "orders.proto"), "syntax = \"proto3\";\npackage shop.v1;\nmessage Order { int32 id = 1; }\nservice Orders { }\n", TestContext.Current.CancellationToken);
        string[] args = ["compat", old, @new, "--format", "json"];
        var native = await Native(args);
        var tool = await Tool(args);
        native.Exit.ShouldBe(1, native.Err);
        native.Out.ShouldBe(tool.Out);
        native.Out.ShouldContain("FIELD_WIRE_JSON_COMPATIBLE_TYPE");
    }

    [Fact]
    public async Task server_commands_work_against_a_real_server_and_print_what_the_tool_prints()
    {
        await using var server = await CliServer.StartAsync();
        string[] Admin(params string[] args) => [.. args, "--server", server.Url, "--token", CliServer.AdminSecret];

        var created = await Native(Admin("token", "create", "ci-reader", "--kind", "read"));
        created.Exit.ShouldBe(0, created.Err);
        var secret = created.Out.Trim().Split('\n')[^1].Trim();
        (await Native(["fleet", "--server", server.Url, "--token", secret])).Exit.ShouldBe(0);

        foreach (var args in new[]
                 {
                     Admin("token", "list", "--format", "json"),
                     Admin("fleet", "--format", "json"),
                     Admin("rollout", "list", "--all", "--format", "json"),
                     Admin("plan", "status", "--format", "json"),
                     Admin("config", "get", "--format", "json"),
                     Admin("override", "list", "--format", "json"),
                     Admin("alerts", "--format", "json"),
                     Admin("clients", "--format", "json"),
                     Admin("release", "list", "orders", "--format", "json"),
                 })
        {
            var native = await Native(args);
            var tool = await Tool(args);
            native.Exit.ShouldBe(0, $"{string.Join(' ', args)}: {native.Err}");
            native.Out.ShouldBe(tool.Out, string.Join(' ', args));
            JsonDocument.Parse(native.Out).ShouldNotBeNull();
        }

        var started = await Native(Admin("rollout", "start", "orders@1.1.0", "--reason", "native build", "--format", "json"));
        var again = await Tool(Admin("rollout", "list", "--all", "--format", "json"));
        (await Native(Admin("rollout", "list", "--all", "--format", "json"))).Out.ShouldBe(again.Out, started.Out + started.Err);

        var revoked = await Native(Admin("token", "revoke", "ci-reader"));
        revoked.Exit.ShouldBe(0, revoked.Err);
        var refused = await Native(["fleet", "--server", server.Url, "--token", secret]);
        refused.Exit.ShouldNotBe(0);
        refused.Err.ShouldContain("401");
    }

    [Theory]
    [InlineData("server")]
    [InlineData("agent")]
    [InlineData("demo")]
    public async Task a_command_that_hosts_a_process_points_to_the_dotnet_tool(string command)
    {
        var (exit, _, err) = await Native([command, "--non-interactive"]);
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain($"'stepwise {command}' is not part of the native build");
        err.ShouldContain("dotnet tool install");
    }

    // Durations a run measures for itself ("seconds": 0.412) are the one thing two runs never share.
    private static string Timeless(string output) =>
        System.Text.RegularExpressions.Regex.Replace(output, "\"seconds\": [0-9.]+", "\"seconds\": 0");

    private static async Task<(int Exit, string Out, string Err)> Native(string[] args) => await RunAsync(await Published.Value, args);

    private static Task<(int Exit, string Out, string Err)> Tool(string[] args) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "stepwise.dll"), .. args]);

    private static async Task<string> PublishAsync()
    {
        var output = Scratch.Directory("stepwise-native-");
        var project = Path.Combine(Cli.RepoRoot(), "src", "Stepwise.Cli", "Stepwise.Cli.csproj");
        var (exit, log, err) = await RunAsync("dotnet",
            ["publish", project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "-p:StepwiseNative=true", "-o", output, "-nologo", "-v:q"], timeoutSeconds: 1200);
        if (exit != 0 && (log + err).Contains("clang", StringComparison.OrdinalIgnoreCase))
        {
            Need.Missing("the C toolchain the native build links with", "run 'source eng/setup.sh' (it installs Debian's clang and zlib1g-dev)");
        }
        exit.ShouldBe(0, log + err);
        var binary = Path.Combine(output, "stepwise");
        File.Exists(binary).ShouldBeTrue(log);
        return binary;
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string program, string[] args, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["STEPWISE_CONFIG"] = Contexts;
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("STEPWISE_SERVER");
        start.Environment.Remove("STEPWISE_TOKEN");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
