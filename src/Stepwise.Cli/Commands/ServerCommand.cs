using System.Reflection;
using System.CommandLine;
using Stepwise.Core.Config;
using Stepwise.Server;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise server</c>: runs the controller (HTTP API, store, reconciler) until Ctrl+C or SIGTERM.
/// Bad options or an invalid stepwise.yaml exit 2 before anything listens.
/// </summary>
public static class ServerCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Where state is kept: sqlite:PATH (default sqlite:stepwise.db) or postgres://user:password@host:5432/database (several replicas, one leads).", DefaultValueFactory = _ => "sqlite:stepwise.db" };
        var urls = new Option<string>("--urls") { Description = "Where to listen (loopback by default).", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "The server's certificate (PEM) for the https:// addresses of --urls; with --tls-key." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The private key (PEM) of --tls-cert." };
        var clientCa = new Option<string?>("--client-ca") { Description = "Mutual TLS: the CA certificates (PEM) that sign agents' and clients' certificates; every connection must present one (every --urls address https://)." };
        var config = new Option<string?>("--config") { Description = "A stepwise.yaml to load at start-up (replaces the stored one when it differs)." };
        var tokenFile = new Option<string?>("--admin-token-file") { Description = "Read the admin token from this file; when it does not exist, generate one and write it there (mode 0600). Or set STEPWISE_ADMIN_TOKEN." };
        var tick = new Option<string>("--tick") { Description = "How often the reconciler decides and heartbeats are flushed (e.g. 1s, 500ms).", DefaultValueFactory = _ => "1s" };
        var webhook = new Option<string?>("--alert-webhook") { Description = "POST alerts as JSON to this URL (retried), besides the event log." };
        var alertmanagers = new Option<string[]>("--alertmanager") { Description = "Send alerts to this Alertmanager (its base URL, e.g. http://alertmanager:9093) through its v2 API; repeat for each member of a cluster." };
        var prometheus = new Option<string?>("--prometheus") { Description = "The Prometheus the canary analysis queries for metrics with PromQL templates (its base URL, e.g. http://prometheus:9090)." };
        var dataStores = new Option<string[]>("--data-store") { Description = "ID=URL of a data store data changes run on (repeatable)." };
        var perToken = new Option<int>("--rate-limit-token") { Description = "Requests a second one token may make (bursts of twice that); 0 turns the limit off.", DefaultValueFactory = _ => Stepwise.Server.Http.RateLimits.DefaultPerToken };
        var perAddress = new Option<int>("--rate-limit-address") { Description = "Requests a second one client address may make (bursts of twice that); 0 turns the limit off (behind a proxy every request shares its address).", DefaultValueFactory = _ => Stepwise.Server.Http.RateLimits.DefaultPerAddress };
        var command = new Command("server", "Run the Stepwise server: the /api/v1 HTTP API, the store and the reconciler.")
        {
            store, urls, tlsCert, tlsKey, clientCa, config, tokenFile, tick, webhook, alertmanagers, prometheus, dataStores, perToken, perAddress,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (!Durations.TryParse(parse.GetValue(tick)!, out var interval) || interval < TimeSpan.FromMilliseconds(10) || interval > TimeSpan.FromMinutes(10))
            {
                stderr.WriteLine($"error: --tick {parse.GetValue(tick)}: write a duration from 10ms to 10m, e.g. 1s or 500ms");
                return ExitCodes.BadInput;
            }
            static bool HttpUrl(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? url) => Uri.TryCreate(text, UriKind.Absolute, out url) && url.Scheme is "http" or "https";
            Uri? alertUri = null;
            if (parse.GetValue(webhook) is { } hook && !HttpUrl(hook, out alertUri))
            {
                stderr.WriteLine($"error: --alert-webhook {hook}: write an absolute http(s) URL");
                return ExitCodes.BadInput;
            }
            var managers = new List<Uri>();
            foreach (var manager in parse.GetValue(alertmanagers) ?? [])
            {
                if (!HttpUrl(manager, out var uri) || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                {
                    stderr.WriteLine($"error: --alertmanager {manager}: write the absolute http(s) base URL of an Alertmanager, e.g. http://alertmanager:9093");
                    return ExitCodes.BadInput;
                }
                managers.Add(uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/"));
            }
            Uri? prometheusUri = null;
            if (parse.GetValue(prometheus) is { } prom && (!HttpUrl(prom, out prometheusUri) || prometheusUri.Query.Length > 0 || prometheusUri.Fragment.Length > 0))
            {
                stderr.WriteLine($"error: --prometheus {prom}: write the absolute http(s) base URL of a Prometheus, e.g. http://prometheus:9090");
                return ExitCodes.BadInput;
            }
            foreach (var (option, value) in new[] { (perToken, parse.GetValue(perToken)), (perAddress, parse.GetValue(perAddress)) })
            {
                if (value < 0)
                {
                    stderr.WriteLine($"error: {option.Name} {value}: write a number of requests a second, or 0 for no limit");
                    return ExitCodes.BadInput;
                }
            }
            var stores = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in parse.GetValue(dataStores) ?? [])
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || eq == entry.Length - 1)
                {
                    stderr.WriteLine($"error: --data-store {entry}: write ID=URL, e.g. orders-db=postgres://app@db:5432/orders");
                    return ExitCodes.BadInput;
                }
                stores[entry[..eq]] = entry[(eq + 1)..];
            }
            var options = new ServerOptions
            {
                Store = parse.GetValue(store)!,
                Urls = parse.GetValue(urls)!,
                TlsCertificateFile = parse.GetValue(tlsCert),
                TlsKeyFile = parse.GetValue(tlsKey),
                TlsClientCaFile = parse.GetValue(clientCa),
                ConfigFile = parse.GetValue(config),
                AdminTokenFile = parse.GetValue(tokenFile),
                AdminToken = Environment.GetEnvironmentVariable("STEPWISE_ADMIN_TOKEN"),
                Tick = interval,
                AlertWebhook = alertUri,
                Alertmanagers = managers,
                Prometheus = prometheusUri,
                DataStores = stores,
                RateLimitPerToken = parse.GetValue(perToken),
                RateLimitPerAddress = parse.GetValue(perAddress),
            };
            if (options.ConfigFile is { } file && !File.Exists(file))
            {
                stderr.WriteLine($"error: --config {file}: no such file");
                return ExitCodes.BadInput;
            }
            ServerHost host;
            try
            {
                host = await ServerHost.BuildAsync(options, cancellationToken: cancellationToken);
            }
            catch (ConfigException e)
            {
                stderr.WriteLine(e.Message);
                return ExitCodes.BadInput;
            }
            catch (Api.TlsSetupException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                stderr.WriteLine($"error: {StartFailure(e, options)}");
                return ExitCodes.BadInput;
            }
            await using (host)
            {
                try
                {
                    await host.StartAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    stderr.WriteLine($"error: {StartFailure(e, options)}");
                    return ExitCodes.BadInput;
                }
                stdout.WriteLine($"stepwise server listening on {string.Join(", ", host.Urls)} (store {options.Store.Split('@')[^1]})");
                if (!Stepwise.Server.ServerTls.CleartextOnlyOnLoopback(options.Urls))
                {
                    stdout.WriteLine("warning: plain http:// on an address that isn't loopback: tokens and artifacts travel in cleartext; use https:// with --tls-cert and --tls-key");
                }
                if (options.AdminTokenFile is { } tf && options.AdminToken is null)
                {
                    stdout.WriteLine($"admin token: in {tf}");
                }
                stdout.Flush();
                var stopped = new TaskCompletionSource();
                using var registration = cancellationToken.Register(() => stopped.TrySetResult());
                await stopped.Task;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One line that says why the server could not start and what to change (no stack trace).</summary>
    internal static string StartFailure(Exception e, ServerOptions options)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is AggregateException or TargetInvocationException)
        {
            inner = inner.InnerException;
        }
        var message = inner.Message.Split('\n')[0].Trim().TrimEnd('.');
        return inner switch
        {
            IOException when message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) || message.Contains("bind", StringComparison.OrdinalIgnoreCase) =>
                $"--urls {options.Urls}: cannot listen ({message}); pick a free port or stop what listens there",
            UriFormatException or InvalidOperationException or FormatException when message.Contains("url", StringComparison.OrdinalIgnoreCase) || message.Contains("address", StringComparison.OrdinalIgnoreCase) =>
                $"--urls {options.Urls}: {message}; write e.g. http://127.0.0.1:5080",
            FormatException => message,
            System.Data.Common.DbException or IOException or UnauthorizedAccessException =>
                $"--store {StoreDisplay(options.Store)}: {message}; check that the store exists, is reachable and writable",
            _ => $"the server could not start: {message}",
        };
    }

    private static string StoreDisplay(string store) => store.Contains('@', StringComparison.Ordinal) ? store[..(store.IndexOf("://", StringComparison.Ordinal) + 3)] + "…@" + store.Split('@')[^1] : store;
}
