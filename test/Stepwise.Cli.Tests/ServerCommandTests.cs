using Stepwise.Cli;

namespace Stepwise.Cli.Tests;

public sealed class ServerCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = StepwiseCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void an_unknown_store_is_bad_input_and_names_the_accepted_forms()
    {
        var (exit, _, err) = Run("server", "--store", "mysql://db/stepwise", "--urls", "http://127.0.0.1:0");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain("sqlite:PATH or postgres://");
    }

    [Theory]
    [InlineData("--tick", "soon")]
    [InlineData("--tick", "0s")]
    [InlineData("--alert-webhook", "not a url")]
    [InlineData("--alertmanager", "alertmanager:9093")]
    [InlineData("--alertmanager", "ftp://alertmanager:9093")]
    [InlineData("--alertmanager", "http://alertmanager:9093/?x=1")]
    [InlineData("--data-store", "orders-db")]
    [InlineData("--config", "no-such-stepwise.yaml")]
    [InlineData("--rate-limit-token", "-1")]
    [InlineData("--rate-limit-address", "lots")]
    public void a_malformed_option_is_bad_input(string option, string value)
    {
        var (exit, _, err) = Run("server", option, value, "--store", "sqlite:" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".db"));
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain(option);
    }

    [Fact]
    public void an_invalid_configuration_is_bad_input_with_file_and_line()
    {
        var directory = Directory.CreateTempSubdirectory("stepwise-server-cli-").FullName;
        var config = Path.Combine(directory, "stepwise.yaml");
        File.WriteAllText(config, "services:\n  - name: orders\n    releases: 7\n");
        var (exit, _, err) = Run("server", "--config", config, "--store", "sqlite:" + Path.Combine(directory, "s.db"), "--urls", "http://127.0.0.1:0");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain("stepwise.yaml:3");
    }

    public static TheoryData<string, string, string> StartFailures() => new()
    {
        { "port-in-use", "--urls", "cannot listen" },
        { "bad-url", "--urls", "--urls" },
        { "missing-folder", "--store", "--store" },
        { "unreachable-postgres", "--store", "--store" },
    };

    [Theory]
    [MemberData(nameof(StartFailures))]
    public void a_server_that_cannot_start_exits_2_with_one_line(string @case, string option, string expected)
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var busy = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var store = "sqlite:" + Path.Combine(Directory.CreateTempSubdirectory("stepwise-server-cli-").FullName, "s.db");
        var (urls, storeUrl) = @case switch
        {
            "port-in-use" => ($"http://127.0.0.1:{busy}", store),
            "bad-url" => ("htp:/nowhere", store),
            "missing-folder" => ("http://127.0.0.1:0", "sqlite:/no/such/folder/s.db"),
            _ => ("http://127.0.0.1:0", $"postgres://stepwise:secret@127.0.0.1:{busy}/stepwise"),
        };
        var (exit, _, err) = Run("server", "--urls", urls, "--store", storeUrl);
        exit.ShouldBe(ExitCodes.BadInput);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, err);
        lines[0].ShouldStartWith("error: ");
        lines[0].ShouldContain(expected);
        lines[0].ShouldContain(option);
        err.ShouldNotContain("secret");
        err.ShouldNotContain("   at ");
    }

    [Fact]
    public void a_read_only_store_exits_2_with_one_line()
    {
        var folder = Directory.CreateTempSubdirectory("stepwise-ro-store-").FullName;
        var readOnly = Directory.CreateTempSubdirectory("stepwise-ro-view-").FullName;
        File.WriteAllBytes(Path.Combine(folder, "s.db"), []);
        // A read-only bind mount: even root can't write through it.
        if (Environment.UserName != "root" || Mount("--bind", folder, readOnly) != 0)
        {
            Stepwise.Testing.Need.Missing("root with permission to bind-mount", "run the tests as root (CI does)");
        }
        try
        {
            Mount("-o", "remount,bind,ro", readOnly).ShouldBe(0);
            var (exit, _, err) = Run("server", "--urls", "http://127.0.0.1:0", "--store", "sqlite:" + Path.Combine(readOnly, "s.db"));
            exit.ShouldBe(ExitCodes.BadInput);
            err.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem().ShouldContain("--store");
        }
        finally
        {
            Mount("-l", readOnly, umount: true);
        }
    }

    private static int Mount(string a, string b, string? c = null, bool umount = false)
    {
        var start = new System.Diagnostics.ProcessStartInfo(umount ? "umount" : "mount") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { a, b, c }.OfType<string>())
        {
            start.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
