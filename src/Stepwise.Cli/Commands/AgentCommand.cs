using System.CommandLine;
using Stepwise.Agent;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise agent --controller URL --token T --node ID --service S [--state-dir DIR] [--app-port P]
/// [--metric-requests SELECTOR] [--metric-errors SELECTOR] [--metric-latency SELECTOR] [--latency-unit seconds|milliseconds]</c>:
/// runs the node agent until stopped (Ctrl+C / SIGTERM stops the app and exits 0).
/// </summary>
public static class AgentCommand
{
    public static Command Create()
    {
        var controller = new Option<string?>("--controller") { Description = "The controller's address, e.g. http://127.0.0.1:5080 (default: $STEPWISE_SERVER)." };
        var token = new Option<string?>("--token") { Description = "This node's agent token (default: $STEPWISE_TOKEN). Prefer --token-file: a token on the command line shows in ps." };
        var tokenFile = new Option<string?>("--token-file") { Description = "Read this node's agent token from a file (default: $STEPWISE_TOKEN_FILE)." };
        var caFile = new Option<string?>("--ca-file") { Description = "Trust the CA certificates of this PEM file for an https:// controller (default: $STEPWISE_CA_FILE; else the system's)." };
        var clientCert = new Option<string?>("--client-cert") { Description = "A client certificate (PEM) for a controller that asks for one (mutual TLS); with --client-key." };
        var clientKey = new Option<string?>("--client-key") { Description = "The private key (PEM) of --client-cert." };
        var node = new Option<string>("--node") { Description = "This node's id.", Required = true };
        var service = new Option<string>("--service") { Description = "The service this node runs.", Required = true };
        var stateDir = new Option<string?>("--state-dir") { Description = "Where the agent keeps its state (default: ./.stepwise-agent/NODE)." };
        var release = new Option<string?>("--release") { Description = "The release this node was provisioned with: reported on the agent's first start until the controller moves the node." };
        var run = new Option<string?>("--run") { Description = "How this node runs a release the controller gives no artifact for, as one command line: {version}, {port} and {node} are replaced, e.g. \"dotnet orders.dll --release {version} --port {port}\"." };
        var heartbeat = new Option<string?>("--heartbeat") { Description = "Send heartbeats at least this often (e.g. 1s), even when the controller asks for fewer." };
        var appPort = new Option<int>("--app-port") { Description = "The port the app listens on ({port} in the artifact); default: a free loopback port, chosen once and kept in the state." };
        var allowCommand = new Option<string[]>("--allow-command") { Description = "Run only this program (an absolute path; a folder ending in / allows what is below it). Repeatable; default: any program.", AllowMultipleArgumentsPerToken = false };
        var allowList = new Option<string?>("--allow-list") { Description = "A file of allowed programs, one absolute path a line ('#' comments), added to --allow-command." };
        var allowShell = new Option<bool>("--allow-shell-placeholders") { Description = "Let a shell's -c script hold {version}, {port} or {node} (refused by default: placeholders never reach a shell)." };
        var metricRequests = new Option<string?>(AppMetricsSpec.RequestsOption) { Description = $"The app's requests counter: a metric name, optionally with label matchers (=, !=, =~, !~), e.g. http_requests_received_total; matching samples are summed (default: {AppMetricNames.Requests})." };
        var metricErrors = new Option<string?>(AppMetricsSpec.ErrorsOption) { Description = $"The app's failed-requests counter, e.g. http_requests_received_total{{code=~\"5..\"}}; matching samples are summed (default: {AppMetricNames.Errors})." };
        var metricLatency = new Option<string?>(AppMetricsSpec.LatencyOption) { Description = $"The app's request-latency histogram, named without _bucket, optionally with label matchers, e.g. http_request_duration_seconds (default: {AppMetricNames.LatencyHistogram})." };
        var latencyUnit = new Option<string?>(AppMetricsSpec.LatencyUnitOption) { Description = "The unit of the latency histogram's buckets; default: from its name (_seconds, _ms or _milliseconds)." };
        latencyUnit.AcceptOnlyFromAmong([.. AppMetricsSpec.UnitNames]);
        var command = new Command("agent", "Run the node agent: runs the release the controller sanctions, health-checks it, sends heartbeats.")
        {
            controller, token, tokenFile, caFile, clientCert, clientKey, node, service, stateDir, release, run, heartbeat, appPort, allowCommand, allowList, allowShell,
            metricRequests, metricErrors, metricLatency, latencyUnit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var url = parse.GetValue(controller) ?? Environment.GetEnvironmentVariable("STEPWISE_SERVER");
            var secret = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("STEPWISE_TOKEN");
            if (secret is null && (parse.GetValue(tokenFile) ?? Blank(Environment.GetEnvironmentVariable("STEPWISE_TOKEN_FILE"))) is { } secretFile)
            {
                if (TokenFile.Read(secretFile, "--token-file", stderr) is not { } read)
                {
                    return ExitCodes.BadInput;
                }
                secret = read;
            }
            if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                stderr.WriteLine($"error: --controller {url ?? "(missing)"}: give the controller's http(s) address, e.g. --controller http://127.0.0.1:5080, or set STEPWISE_SERVER");
                return ExitCodes.BadInput;
            }
            if (string.IsNullOrWhiteSpace(secret))
            {
                stderr.WriteLine("error: --token is missing: give this node's agent token with --token-file FILE (or STEPWISE_TOKEN_FILE, STEPWISE_TOKEN, --token)");
                return ExitCodes.BadInput;
            }
            var port = parse.GetValue(appPort);
            if (port is < 0 or > 65535)
            {
                stderr.WriteLine($"error: --app-port {port}: give a TCP port between 1 and 65535 (or 0 for a free one)");
                return ExitCodes.BadInput;
            }
            AppMetricsSpec metrics;
            try
            {
                metrics = AppMetricsSpec.Create(parse.GetValue(metricRequests), parse.GetValue(metricErrors), parse.GetValue(metricLatency), parse.GetValue(latencyUnit));
            }
            catch (FormatException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            Api.Artifact? local = null;
            if (parse.GetValue(run) is { } template)
            {
                try
                {
                    local = RunTemplate.Parse(template);
                }
                catch (FormatException e)
                {
                    stderr.WriteLine($"error: --run: {e.Message}");
                    return ExitCodes.BadInput;
                }
            }
            TimeSpan? every = null;
            if (parse.GetValue(heartbeat) is { } text)
            {
                if (!Core.Config.Durations.TryParse(text, out var parsed) || parsed < TimeSpan.FromMilliseconds(100) || parsed > TimeSpan.FromMinutes(10))
                {
                    stderr.WriteLine($"error: --heartbeat {text}: write a duration from 100ms to 10m, e.g. 1s");
                    return ExitCodes.BadInput;
                }
                every = parsed;
            }
            var allowed = new List<string>();
            try
            {
                foreach (var entry in parse.GetValue(allowCommand) ?? [])
                {
                    allowed.Add(AgentPolicy.CheckEntry(entry, "--allow-command"));
                }
                if (parse.GetValue(allowList) is { } listFile)
                {
                    allowed.AddRange(AgentPolicy.ReadAllowList(listFile));
                }
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: {(e is FormatException ? "" : "--allow-list: ")}{e.Message}");
                return ExitCodes.BadInput;
            }
            var policy = new AgentPolicy(allowed, parse.GetValue(allowShell));
            HttpMessageHandler? handler;
            try
            {
                var ca = parse.GetValue(caFile) ?? Blank(Environment.GetEnvironmentVariable("STEPWISE_CA_FILE"));
                handler = ca is null && parse.GetValue(clientCert) is null && parse.GetValue(clientKey) is null
                    ? null
                    : Api.TlsTrust.Handler(ca, parse.GetValue(clientCert), parse.GetValue(clientKey));
            }
            catch (Api.TlsSetupException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            if (local is not null && policy.Refusal(local) is { } refusal)
            {
                stderr.WriteLine($"error: --run: {refusal}");
                return ExitCodes.BadInput;
            }
            var id = parse.GetValue(node)!;
            var options = new AgentOptions(uri, secret, id, parse.GetValue(service)!, parse.GetValue(stateDir) ?? Path.Combine(".stepwise-agent", id), port, InitialRelease: parse.GetValue(release), LocalArtifact: local, MaxHeartbeat: every, Policy: policy, Handler: handler, Metrics: metrics);
            var output = parse.InvocationConfiguration.Output;
            void Log(string line)
            {
                lock (output)
                {
                    output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} agent {id}: {line}");
                    output.Flush();
                }
            }
            try
            {
                await using var agent = new NodeAgent(options, Log);
                await agent.RunAsync(cancellationToken);
                return ExitCodes.Ok;
            }
            catch (AgentStateException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
